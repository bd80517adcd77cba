using System.Globalization;
using RhymeFlow.Bench.Shared;
using RhymeFlow.Host.Benchmarking;
using RhymeFlow.Host.Models.Wan;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Bench;

/// <summary>
/// <c>forward</c>: times the dense Wan forward at one geometry with random weights and, with
/// <c>--active-frames M</c>, a recording forward and an M-frame active forward (context KeyValue) as well; with
/// <c>--reductions</c>, AsymRnR settings side by side (see <see cref="ReductionComparison"/>).
/// </summary>
internal static class ForwardCommand
{
    public static int Run(ForwardOptions options, IReadOnlyList<string> commandLine)
    {
        var device = BenchDevice.Open(options.Device);
        if (device.IsCuda)
        {
            // No effect on bf16/f16; for f32 it is what a float32 GPU run would use (--no-tf32 to measure without).
            torch.backends.cuda.matmul.allow_tf32 = options.Tf32;
            using var init = ones(1, device: device.Device);
            device.Synchronize();
        }

        var config = options.Model.Config;
        var culture = CultureInfo.InvariantCulture;
        using var memory = MemoryProbe.Create(device);
        using var model = RandomWan.Create(config, options.DType, device.Device, options.Seed);
        using var inference = inference_mode();
        random.manual_seed(options.Seed);

        var (batch, frames, tokens) = (options.Batch, options.Frames / config.PatchSize.T, options.Tokens);
        using var latents = randn([batch, config.InChannels, options.Frames, options.Height, options.Width], device: device.Device);
        using var textStates = randn([batch, options.TextLength, config.TextDim], dtype: options.DType, device: device.Device);
        using var timestepValue = options.Timestep.ToScalar();
        using var timestep = full([batch], timestepValue, dtype: ScalarType.Float32, device: device.Device);

        Console.WriteLine($"model      {options.Model.Name}: {config.NumLayers} layers, dim {config.InnerDim} ({config.NumAttentionHeads}x{config.AttentionHeadDim}), ffn {config.FfnDim}, {model.parameters().Sum(p => p.numel()) / 1e6:0.0}M parameters, random N(0, {RandomWan.Std}) weights");
        Console.WriteLine($"geometry   latents [{batch}, {config.InChannels}, {options.Frames}, {options.Height}, {options.Width}] = {tokens} tokens per row ({frames} frames x {options.TokensPerFrame}); text [{batch}, {options.TextLength}, {config.TextDim}]; timestep {options.Timestep}");
        Console.WriteLine($"dtype      {BenchDevice.Name(options.DType)} (norms, modulation and RoPE in float32)");
        Console.WriteLine($"device     {device.Describe()}");
        Console.WriteLine($"timing     {options.Warmup} warm-up + {options.Runs} timed runs per row, one dispose scope each, device synchronised around each");
        Console.WriteLine();

        var table = new ResultTable("run", "tokens/row", "median ms", "min ms", "max ms", "GFLOP", "TFLOP/s", "peak mem above baseline");
        var medians = new Dictionary<string, double>();
        void Row(string name, double queries, WanFlops.Work work, Action action)
        {
            memory.BeginPhase();
            var timing = Timing.Measure(device, options.Warmup, options.Runs, action);
            var peak = memory.EndPhase();
            var flops = WanFlops.Evaluate(config, batch, options.TextLength, work);
            medians[name] = timing.Median;
            table.Add(
                name,
                queries.ToString("0", culture),
                timing.Median.ToString("0.0", culture),
                timing.Min.ToString("0.0", culture),
                timing.Max.ToString("0.0", culture),
                (flops / 1e9).ToString("0.0", culture),
                (flops / (timing.Median / 1e3) / 1e12).ToString("0.00", culture),
                memory.AboveBaseline(peak));
            Console.WriteLine($"  {name}: median {timing.Median.ToString("0.0", culture)} ms");
        }

        const string dense = "forward (text projected in the call)";
        Row(dense, tokens, new WanFlops.Work(tokens, tokens, tokens, TextProjected: true), () => model.Forward(latents, timestep, textStates));

        string? ratioLine = null;
        if (options.ActiveFrames is { } activeCount)
        {
            ratioLine = RowsWithContext(options, model, latents, textStates, timestep, activeCount, Row, medians);
        }

        Console.WriteLine();
        Console.Write(table.ToConsole());
        var reductionTable = options.Reductions is null ? null : ReductionComparison.Run(options, device, model, latents, textStates, timestep);
        var blocks = WanFlops.DenseBlockFlops(config, batch, tokens, options.TextLength);
        var core = WanFlops.CoreDenseFlops(config, batch, frames, options.TokensPerFrame, options.TextLength);
        var flopNote = $"FLOPs: analytic, 2·m·n·k per matmul with attention; transformer blocks of the dense forward {blocks / 1e9:0.0} GFLOP, RhymeFlow.Core Cost {core / 1e9:0.0} GFLOP ({(Math.Abs(blocks - core) <= 1e-9 * core ? "agree" : "DIFFER")}); the rows add patch embedding, head and text embedding.";
        var memoryNote = $"memory: {memory.Method}; baseline {MemoryProbe.Format(memory.Baseline)}.";
        Console.WriteLine();
        if (ratioLine is not null)
        {
            Console.WriteLine(ratioLine);
        }

        Console.WriteLine(flopNote);
        Console.WriteLine(memoryNote);

        if (options.Markdown is { } path)
        {
            var command = "RhymeFlow.Bench " + string.Join(' ', commandLine.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a));
            var text = $"""

                #### {DateTime.Now:yyyy-MM-dd} forward, {options.Model.Name}, {BenchDevice.Name(options.DType)}, {device.Describe()}

                `{command}`

                {table.ToMarkdown()}
                {(ratioLine is null ? "" : ratioLine + "\n")}{(reductionTable is null ? "" : "\n" + reductionTable + "\n")}{flopNote}
                {memoryNote}

                """;
            File.AppendAllText(path, text);
            Console.WriteLine($"appended to {path}");
        }

        return 0;
    }

    /// <summary>The rows that use a prepared text and a recorded KeyValue context; returns the full/active ratio line.</summary>
    private static string RowsWithContext(
        ForwardOptions options,
        WanTransformer model,
        Tensor latents,
        Tensor textStates,
        Tensor timestep,
        int activeCount,
        Action<string, double, WanFlops.Work, Action> row,
        Dictionary<string, double> medians)
    {
        var frames = options.Frames / options.Model.Config.PatchSize.T;
        var tokens = options.Tokens;
        var active = options.ActiveFrameIndices(activeCount);
        var contextFrames = Enumerable.Range(0, frames).Except(active).ToArray();
        var activeTokens = activeCount * options.TokensPerFrame;
        using var text = model.PrepareText(textStates);
        using var activeIndex = tensor(active.Select(f => (long)f).ToArray(), device: latents.device);
        using var activeLatents = latents.index_select(2, activeIndex);

        var full = "forward (text prepared)";
        row(full, tokens, new WanFlops.Work(tokens, tokens, tokens, TextProjected: false), () => model.Forward(latents, timestep, text));
        row($"recording forward (KeyValue, {contextFrames.Length} frames)", tokens, new WanFlops.Work(tokens, tokens, tokens, TextProjected: false), () =>
        {
            var (_, context) = model.ForwardRecording(latents, timestep, text, contextFrames, WanContextKind.KeyValue);
            context.Dispose();
        });

        WanFrameContext? held = null;
        try
        {
            using (NewDisposeScope())
            {
                (_, held) = model.ForwardRecording(latents, timestep, text, contextFrames, WanContextKind.KeyValue);
            }

            var name = $"active forward ({activeCount} of {frames} frames)";
            row(name, activeTokens, new WanFlops.Work(activeTokens, activeTokens, tokens, TextProjected: false), () => model.ForwardActive(activeLatents, active, timestep, text, held));
            var ratio = medians[full] / medians[name];
            var config = options.Model.Config;
            var predicted = WanFlops.Evaluate(config, options.Batch, options.TextLength, new WanFlops.Work(tokens, tokens, tokens, false))
                / WanFlops.Evaluate(config, options.Batch, options.TextLength, new WanFlops.Work(activeTokens, activeTokens, tokens, false));
            return $"per-step ratio full/active (text prepared): {ratio.ToString("0.00", CultureInfo.InvariantCulture)}x measured, {predicted.ToString("0.00", CultureInfo.InvariantCulture)}x by FLOPs (active frames [{string.Join(", ", active)}], context {(held?.SizeBytes ?? 0) / (1024.0 * 1024):0.0} MiB).";
        }
        finally
        {
            held?.Dispose();
        }
    }
}
