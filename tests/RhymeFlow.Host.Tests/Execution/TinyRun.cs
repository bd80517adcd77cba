using RhymeFlow.Core;
using RhymeFlow.Host.Execution;
using RhymeFlow.Host.Models.Wan;
using RhymeFlow.Host.Tests.Models.Wan;

namespace RhymeFlow.Host.Tests.Execution;

/// <summary>Denoising runs of the two-layer fixture model on the fixture's noise and text (5 latent frames).</summary>
internal sealed class TinyRun : IDisposable
{
    private readonly Dictionary<string, Tensor> _fixture = WanTiny.ReadCase("schedulers-public.safetensors");

    public TinyRun(WanTransformer? model = null)
    {
        Model = model ?? WanTiny.Load();
        // Its own generator: tests on other threads draw from the global one at any time.
        using var generator = new Generator(7);
        Negative = randn([1, 7, 24], generator: generator);
    }

    public WanTransformer Model { get; }

    public Tensor Noise => _fixture["loop_noise"];

    public Tensor Text => _fixture["loop_text"];

    public Tensor Negative { get; }

    public DenoiseRequest Request(ScheduleSpec schedule, double guidance = 5) =>
        new(Text, Noise, schedule, guidance, guidance == 1 ? null : Negative);

    /// <summary>Runs on this thread and collects the events; the caller disposes the result.</summary>
    public (VideoLatents Result, List<EvaluationCompleted> Events) Run(ScheduleSpec schedule, double guidance = 5, DenoiseOptions? options = null)
    {
        var events = new List<EvaluationCompleted>();
        var result = new VideoDenoiser(Model, options).Run(Request(schedule, guidance), events.Add, CancellationToken.None);
        return (result, events);
    }

    public void Dispose()
    {
        foreach (var tensor in _fixture.Values)
        {
            tensor.Dispose();
        }

        Negative.Dispose();
        Model.Dispose();
    }
}
