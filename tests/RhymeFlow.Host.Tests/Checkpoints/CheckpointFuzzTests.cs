using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Tests.TestSupport;
using Xunit.Abstractions;

namespace RhymeFlow.Host.Tests.Checkpoints;

public sealed class CheckpointFuzzTests(ITestOutputHelper output)
{
    private const int Cases = 300;
    private const int StructuralCases = 60;
    private const long AllocationLimit = 64L * 1024 * 1024;
    private static readonly string[] HugeNumbers = ["18446744073709551615", "9223372036854775807", "-1", "-9223372036854775808", "1e300", "4294967296", "1099511627776", "0", "3.5", "null", "\"7\"", "[]"];

    [Fact]
    public async Task MutatedHeadersOpenOrFailWithCheckpointException()
    {
        var fixture = Fixtures.WanDiffusers("wan-tiny.weights.safetensors");
        var original = File.ReadAllBytes(fixture);

        // Once untimed, so that the longest case reported is not the JIT's first run.
        OpenAndReadAll(fixture);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(original);
        var header = original.AsSpan(8, headerLength).ToArray();
        var data = original.AsSpan(8 + headerLength).ToArray();
        using var directory = new TempDirectory();
        var random = new Random(20260823);
        var run = new HostileInputs("safetensors header", output);

        for (var i = 0; i < Cases; i++)
        {
            var path = directory.File($"case{i % 8}.safetensors");
            File.WriteAllBytes(path, Mutate(random, header, data));
            await run.RunAsync($"mutation case {i}", () => OpenAndReadAll(path), e => e is CheckpointException, path, AllocationLimit);
        }

        // Files a correct reader must refuse, each for its own reason: the rest of the file is left valid.
        for (var i = 0; i < StructuralCases; i++)
        {
            var (kind, bytes, reason) = (i % 3) switch
            {
                0 => ("hole", WithHole(random, header, data), "leaving a hole of"),
                1 => ("trailing bytes", WithTrailingBytes(random, header, data), "trailing bytes"),
                _ => ("duplicate key", WithDuplicateKey(random, header, data), "twice"),
            };
            var path = directory.File($"structural{i % 8}.safetensors");
            File.WriteAllBytes(path, bytes);
            await run.RunAsync($"{kind} case {i}", () => OpenAndReadAll(path), e => e is CheckpointException, path, AllocationLimit, mustRefuse: true, reason);
        }

        run.Report();

        // Both outcomes must actually occur, or the mutations are too weak (or too strong) to mean anything.
        Assert.True(run.Count("ok") > 10, string.Join(", ", run.Outcomes));
        Assert.True(run.Count(nameof(CheckpointException)) > Cases / 2, string.Join(", ", run.Outcomes));
    }

    private static void OpenAndReadAll(string path)
    {
        using var file = SafetensorsFile.Open(path);
        foreach (var key in file.Keys)
        {
            using var tensor = file.Read(key);
        }
    }

    /// <summary>One tensor and all after it moved up by a few bytes, with filler where it was: a hole, nothing else wrong.</summary>
    private static byte[] WithHole(Random random, byte[] header, byte[] data)
    {
        var root = JsonNode.Parse(header)!.AsObject();
        var offsets = root.Where(p => p.Key != "__metadata__").Select(p => p.Value!["data_offsets"]!.AsArray()).ToList();
        var chosen = offsets[random.Next(offsets.Count)];
        var at = chosen[0]!.GetValue<long>();
        var gap = random.Next(1, 64);
        foreach (var pair in offsets.Where(o => o[0]!.GetValue<long>() >= at))
        {
            (pair[0], pair[1]) = (pair[0]!.GetValue<long>() + gap, pair[1]!.GetValue<long>() + gap);
        }

        var filler = new byte[gap];
        random.NextBytes(filler);
        return Assemble(Encoding.UTF8.GetBytes(root.ToJsonString()), [.. data.AsSpan(0, (int)at), .. filler, .. data.AsSpan((int)at)]);
    }

    private static byte[] WithTrailingBytes(Random random, byte[] header, byte[] data)
    {
        var extra = new byte[random.Next(1, 4096)];
        random.NextBytes(extra);
        return Assemble(header, [.. data, .. extra]);
    }

    /// <summary>A second declaration of an existing key (a copy of a random entry), appended to an otherwise valid header.</summary>
    private static byte[] WithDuplicateKey(Random random, byte[] header, byte[] data)
    {
        using var document = JsonDocument.Parse(header);
        var entries = document.RootElement.EnumerateObject().Where(p => p.Name != "__metadata__").ToList();
        var duplicated = entries[random.Next(entries.Count)];
        var copy = entries[random.Next(entries.Count)].Value.GetRawText();
        var text = Encoding.UTF8.GetString(header).TrimEnd();
        var duplicate = $",{JsonSerializer.Serialize(duplicated.Name)}:{copy}}}";
        return Assemble(Encoding.UTF8.GetBytes(text[..^1] + duplicate), data);
    }

    private static byte[] Assemble(byte[] json, byte[] data)
    {
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        return bytes;
    }

    private static byte[] Mutate(Random random, byte[] header, byte[] data)
    {
        var json = new List<byte>(header);
        var declared = (ulong)json.Count;
        var mutations = random.Next(1, 4);
        for (var m = 0; m < mutations; m++)
        {
            switch (random.Next(6))
            {
                case 0 when json.Count > 0:
                    json[random.Next(json.Count)] ^= (byte)(1 << random.Next(8));
                    declared = (ulong)json.Count;
                    break;
                case 1:
                    json.Insert(random.Next(json.Count + 1), (byte)random.Next(256));
                    declared = (ulong)json.Count;
                    break;
                case 2 when json.Count > 0:
                    json.RemoveAt(random.Next(json.Count));
                    declared = (ulong)json.Count;
                    break;
                case 3:
                    json = ReplaceNumber(random, json);
                    declared = (ulong)json.Count;
                    break;
                case 4:
                    declared = random.Next(4) switch
                    {
                        0 => (ulong)random.NextInt64(),
                        1 => declared + (ulong)random.Next(1, 200_000),
                        2 => (ulong)random.Next(0, json.Count),
                        _ => ulong.MaxValue - (ulong)random.Next(16),
                    };
                    break;
                default:
                    // A valid header with a different number somewhere, to keep many cases parseable.
                    json = ReplaceNumber(random, json, keepValid: true);
                    declared = (ulong)json.Count;
                    break;
            }
        }

        var bytes = new byte[8 + json.Count + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declared);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Count);
        return bytes;
    }

    private static List<byte> ReplaceNumber(Random random, List<byte> json, bool keepValid = false)
    {
        var text = Encoding.UTF8.GetString(json.ToArray());
        var digits = Enumerable.Range(0, text.Length).Where(i => char.IsAsciiDigit(text[i]) && (i == 0 || !char.IsAsciiDigit(text[i - 1]))).ToList();
        if (digits.Count == 0)
        {
            return json;
        }

        var start = digits[random.Next(digits.Count)];
        var end = start;
        while (end < text.Length && char.IsAsciiDigit(text[end]))
        {
            end++;
        }

        var replacement = keepValid
            ? text[start..end]
            : HugeNumbers[random.Next(HugeNumbers.Length)];
        if (keepValid && random.Next(2) == 0)
        {
            replacement = random.Next(0, 200_000).ToString(CultureInfo.InvariantCulture);
        }

        return [.. Encoding.UTF8.GetBytes(text[..start] + replacement + text[end..])];
    }
}
