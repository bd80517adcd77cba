using RhymeFlow.Core;
using RhymeFlow.Host.Acceleration.StepCaching;
using RhymeFlow.Host.Benchmarking;
using RhymeFlow.Host.Execution;
using RhymeFlow.Host.Models.Wan;
using RhymeFlow.Host.Tests.Execution;
using RhymeFlow.Host.Tests.Models.Wan;

namespace RhymeFlow.Host.Tests.Acceleration.StepCaching;

/// <summary>
/// Runs of a three-block random Wan (the fixture's architecture, one block more, so that "block 0 only" differs from
/// "every block" and from "none") on the fixture's clip, alone or in a batch of two, with CFG.
/// </summary>
internal sealed class StepCacheRuns : IDisposable
{
    public const int Blocks = 3;
    public static readonly ScheduleSpec Dense = Schedules.Dense(steps: 12, solver: SolverKind.UniPC);

    private readonly TinyRun _run;
    private readonly Tensor _batchNoise;
    private readonly Tensor _batchText;
    private readonly Tensor _batchNegative;

    public StepCacheRuns()
    {
        var config = WanConfig.FromJson(WanTiny.ConfigPath) with { NumLayers = Blocks };
        _run = new TinyRun(RandomWan.Create(config, ScalarType.Float32, CPU, seed: 5));
        using var generator = new Generator(33);
        using var otherNoise = randn([1, 4, 5, 8, 8], generator: generator);
        using var otherText = randn([1, 7, 24], generator: generator);
        using var otherNegative = randn([1, 7, 24], generator: generator);
        _batchNoise = cat([_run.Noise, otherNoise], 0);
        _batchText = cat([_run.Text, otherText], 0);
        _batchNegative = cat([_run.Negative, otherNegative], 0);
    }

    public WanTransformer Model => _run.Model;

    /// <summary>The fixture's clip (B = 1) or it and another (B = 2), with CFG 5 (2B rows per evaluation).</summary>
    public DenoiseRequest Request(ScheduleSpec schedule, StepCache? cache, bool batch = false) =>
        (batch ? new DenoiseRequest(_batchText, _batchNoise, schedule, 5, _batchNegative) : _run.Request(schedule)) with { StepCache = cache };

    public VideoLatents Run(DenoiseRequest request) =>
        new VideoDenoiser(Model).Run(request, _ => { }, CancellationToken.None);

    public VideoLatents Run(StepCache? cache, bool batch = false, ScheduleSpec? schedule = null) =>
        Run(Request(schedule ?? Dense, cache, batch));

    public void Dispose()
    {
        _batchNoise.Dispose();
        _batchText.Dispose();
        _batchNegative.Dispose();
        _run.Dispose();
    }
}
