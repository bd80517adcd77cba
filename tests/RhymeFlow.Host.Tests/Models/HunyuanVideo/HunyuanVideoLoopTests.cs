using RhymeFlow.Host.Sampling;
using Xunit.Abstractions;

namespace RhymeFlow.Host.Tests.Models.HunyuanVideo;

/// <summary>
/// HunyuanVideoPipeline's dense denoising loop: FlowMatchEulerDiscreteScheduler with shift 7 on the sigmas
/// linspace(1, 0, N + 1)[:-1], embedded guidance 6000, one model pass per step.
/// </summary>
public sealed class HunyuanVideoLoopTests(ITestOutputHelper output)
{
    private const string LoopFile = "hunyuanvideo-tiny.loop.safetensors";
    private const float Shift = 7f;

    [Theory]
    [InlineData(10, "sigmas", "timesteps")]
    [InlineData(50, "sigmas_steps50", "timesteps_steps50")]
    public void TheLadderMatchesThePipelines(int steps, string sigmaKey, string timestepKey)
    {
        var loop = HunyuanVideoTiny.ReadCase(LoopFile);
        var (sigmas, timesteps) = Ladder(steps);
        AssertClose(loop[sigmaKey], sigmas, 1e-6);
        AssertClose(loop[timestepKey], timesteps, 1e-6);
        HunyuanVideoTiny.DisposeAll(loop);
    }

    [Fact]
    public void TheTenStepEulerLoopMatchesThePipelines()
    {
        using var model = HunyuanVideoTiny.Load();
        var loop = HunyuanVideoTiny.ReadCase(LoopFile);
        var (sigmas, timesteps) = Ladder(10);
        using var solver = new FlowEulerSolver([.. sigmas.Select(s => (double)s)]);
        var prompt = HunyuanVideoTiny.Prompt(loop);

        var latents = loop["noise"].clone();
        for (var step = 0; step < timesteps.Length; step++)
        {
            using var timestep = tensor(new[] { timesteps[step] });
            using var velocity = model.Forward(latents, timestep, prompt, loop["guidance"]);
            var next = solver.Step(step, latents, velocity);
            latents.Dispose();
            latents = next;

            using var expected = loop["euler_latents"][step];
            var stepError = HunyuanVideoTiny.RelativeError(latents, expected);
            output.WriteLine($"step {step}: relative L2 error {stepError:E3}");
            Assert.True(stepError < 1e-4, $"step {step}: relative error {stepError:E3}");
        }

        var error = HunyuanVideoTiny.RelativeError(latents, loop["euler_result"]);
        output.WriteLine($"result: relative L2 error {error:E3}");
        Assert.True(error < 1e-4, $"relative error {error:E3}");
        latents.Dispose();
        HunyuanVideoTiny.DisposeAll(loop);
    }

    /// <summary>
    /// The scheduler's tables as diffusers computes them in float32: σ = 7s / (1 + 6s) for s = linspace(1, 0, N + 1)[:-1],
    /// a final 0, and timesteps 1000σ. (The core's Euler ladder is Wan's: linspace over the shifted training sigmas.)
    /// </summary>
    private static (float[] Sigmas, float[] Timesteps) Ladder(int steps)
    {
        var shifted = Enumerable.Range(0, steps)
            .Select(i => (float)(1.0 - ((double)i / steps)))
            .Select(s => Shift * s / (1f + ((Shift - 1f) * s)))
            .ToArray();
        return ([.. shifted, 0f], [.. shifted.Select(s => s * 1000f)]);
    }

    private static void AssertClose(Tensor expected, float[] actual, double tolerance)
    {
        var reference = expected.data<float>().ToArray();
        Assert.Equal(reference.Length, actual.Length);
        for (var i = 0; i < actual.Length; i++)
        {
            Assert.True(Math.Abs(reference[i] - actual[i]) <= tolerance * Math.Max(1.0, Math.Abs(reference[i])), $"entry {i}: {actual[i]} vs {reference[i]}");
        }
    }
}
