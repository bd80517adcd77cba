using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Tests.Execution;
using RhymeFlow.Host.Tests.TestSupport;
using Xunit.Abstractions;

namespace RhymeFlow.Host.Tests.Hostile;

/// <summary>
/// <see cref="WanPipelineFolder.Open"/> on a valid tiny folder with one of its JSON files mutated or a part removed:
/// it opens or throws one <see cref="PipelineFolderException"/> naming the folder and the damaged file.
/// </summary>
public sealed class PipelineFolderHostileTests(ITestOutputHelper output)
{
    private const int Cases = 300;

    private static readonly string[] JsonFiles =
    [
        "model_index.json",
        "scheduler/scheduler_config.json",
        "transformer/config.json",
        "text_encoder/config.json",
        "vae/config.json",
    ];

    private static readonly string[] Removable = ["tokenizer/spiece.model", "vae", "scheduler/scheduler_config.json", "model_index.json"];

    [Fact]
    public async Task DamagedFoldersOpenOrFailWithPipelineFolderException()
    {
        using var folder = new TinyPipelineFolder();
        WanPipelineFolder.Open(folder.Path);
        var originals = JsonFiles.ToDictionary(f => f, f => File.ReadAllText(Path.Combine(folder.Path, f)));
        var random = new Random(20261131);
        var run = new HostileInputs("pipeline folder", output);

        for (var i = 0; i < Cases; i++)
        {
            string damaged;
            long inputLength;
            if (i % 10 == 9)
            {
                damaged = Removable[random.Next(Removable.Length)];
                var target = Path.Combine(folder.Path, damaged);
                var backup = target + ".removed";
                Move(target, backup);
                try
                {
                    await run.RunAsync($"case {i}: without {damaged}", () => WanPipelineFolder.Open(folder.Path), e => e is PipelineFolderException, damaged, 4L << 20, mustRefuse: true);
                }
                finally
                {
                    Move(backup, target);
                }

                continue;
            }

            damaged = JsonFiles[random.Next(JsonFiles.Length)];
            var bytes = HostileMutations.Json(random, originals[damaged]);
            inputLength = bytes.Length;
            var path = Path.Combine(folder.Path, damaged);
            File.WriteAllBytes(path, bytes);
            try
            {
                await run.RunAsync($"case {i}: {damaged}", () => WanPipelineFolder.Open(folder.Path), e => e is PipelineFolderException && e.Message.Contains(folder.Path, StringComparison.Ordinal), damaged, ConfigHostileTests.AllocationLimit(inputLength));
            }
            finally
            {
                File.WriteAllText(path, originals[damaged]);
            }
        }

        run.Report();
        Assert.True(run.Count("ok") > 5, string.Join(", ", run.Outcomes));
        Assert.True(run.Count(nameof(PipelineFolderException)) > Cases / 4, string.Join(", ", run.Outcomes));
    }

    private static void Move(string from, string to)
    {
        if (Directory.Exists(from))
        {
            Directory.Move(from, to);
        }
        else
        {
            File.Move(from, to);
        }
    }
}
