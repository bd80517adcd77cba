using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Tests.TestSupport;

namespace RhymeFlow.Host.Tests.Checkpoints;

public sealed class CheckpointFuzzTests
{
    private const int Cases = 1200;
    private const long AllocationLimit = 64L * 1024 * 1024;
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(5);
    private static readonly string[] HugeNumbers = ["18446744073709551615", "9223372036854775807", "-1", "-9223372036854775808", "1e300", "4294967296", "1099511627776", "0", "3.5", "null", "\"7\"", "[]"];

    [Fact]
    public async Task MutatedHeadersOpenOrFailWithCheckpointException()
    {
        var original = File.ReadAllBytes(Fixtures.WanDiffusers("wan-tiny.weights.safetensors"));
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(original);
        var header = original.AsSpan(8, headerLength).ToArray();
        var data = original.AsSpan(8 + headerLength).ToArray();
        using var directory = new TempDirectory();
        var random = new Random(20260823);
        var outcomes = new Dictionary<string, int>();

        for (var i = 0; i < Cases; i++)
        {
            var bytes = Mutate(random, header, data);
            var path = directory.File($"case{i % 8}.safetensors");
            File.WriteAllBytes(path, bytes);

            // The case runs on its own task so that a hang fails the test instead of stalling it.
            var run = Task.Run(() => RunCase(path));
            var finished = await Task.WhenAny(run, Task.Delay(CaseTimeout));
            Assert.True(finished == run, $"case {i} did not finish within {CaseTimeout}");
            var (outcome, allocated) = await run;
            Assert.True(allocated < AllocationLimit, $"case {i} allocated {allocated} bytes");
            Assert.True(outcome is "ok" or "CheckpointException", $"case {i} threw {outcome}");
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        // Both outcomes must actually occur, or the mutations are too weak (or too strong) to mean anything.
        Assert.True(outcomes.GetValueOrDefault("ok") > 10, string.Join(", ", outcomes));
        Assert.True(outcomes.GetValueOrDefault("CheckpointException") > Cases / 2, string.Join(", ", outcomes));
    }

    private static (string Outcome, long Allocated) RunCase(string path)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        string outcome;
        try
        {
            using var file = SafetensorsFile.Open(path);
            foreach (var key in file.Keys)
            {
                using var tensor = file.Read(key);
            }

            outcome = "ok";
        }
        catch (CheckpointException)
        {
            outcome = "CheckpointException";
        }
        catch (Exception e)
        {
            outcome = e.GetType().Name + ": " + e.Message;
        }

        return (outcome, GC.GetAllocatedBytesForCurrentThread() - before);
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
