using RhymeFlow.Host.Models.CogVideoX;
using RhymeFlow.Host.Sampling;
using RhymeFlow.Host.Tests.Models.CogVideoX;
using Xunit.Abstractions;

namespace RhymeFlow.Host.Tests.Sampling;

/// <summary>The 10-step dense loops of diffusers' CogVideoX pipeline (guidance 1), with the tiny transformer.</summary>
public sealed class CogVideoXLoopParityTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    [Fact]
    public void DdimReproducesEveryStep() => RunLoop("ddim", schedule => new CogVideoXDdimSolver(schedule), _ => { });

    [Fact]
    public void DpmReproducesEveryStepWithTheStoredNoise()
    {
        var noise = new FixtureNoise();
        RunLoop("dpm", schedule => new CogVideoXDpmSolver(schedule, noise), inputs => noise.Steps = inputs["dpm_step_noise"]);
    }

    [Fact]
    public void DpmStepsMustComeInOrder()
    {
        var schedule = VpSchedule.Create(VpScheduleConfig.CogVideoX5B, 10);
        using var solver = new CogVideoXDpmSolver(schedule);
        using var sample = zeros(1, 2);
        Assert.Throws<InvalidOperationException>(() => solver.Step(1, sample, sample));
        solver.Step(0, sample, sample).Dispose();
        solver.Reset();
        solver.Step(0, sample, sample).Dispose();
    }

    [Fact]
    public void SeededDpmNoiseRepeats()
    {
        var schedule = VpSchedule.Create(VpScheduleConfig.CogVideoX5B, 10);
        using var sample = ones(1, 8);
        using var a = new CogVideoXDpmSolver(schedule);
        using var b = new CogVideoXDpmSolver(schedule);
        using var first = a.Step(0, sample, sample);
        using var second = b.Step(0, sample, sample);
        Assert.True(first.eq(second).all().item<bool>());
    }

    private void RunLoop(string name, Func<VpSchedule, IVpSolver> solverOf, Action<Dictionary<string, Tensor>> prepare)
    {
        using var model = CogVideoXTiny.Load();
        var inputs = CogVideoXTiny.ReadCase("cogvideox-tiny.loop.safetensors");
        prepare(inputs);
        var schedule = VpSchedule.Create(VpScheduleConfig.CogVideoX5B, 10);
        using var solver = solverOf(schedule);
        var latents = inputs["noise"].clone();
        for (var step = 0; step < schedule.Steps; step++)
        {
            using var timestep = tensor(new float[] { schedule.Timesteps[step] });
            using var prediction = model.Forward(latents, timestep, inputs["encoder_hidden_states"]);
            var next = solver.Step(step, latents, prediction);
            latents.Dispose();
            latents = next;
            using var expected = inputs[$"{name}_latents"][step];
            var error = CogVideoXTiny.RelativeError(latents, expected);
            output.WriteLine($"{name} step {step}: relative L2 error {error:E3}");
            Assert.True(error < Tolerance, $"{name} step {step}: relative error {error:E3}");
        }

        var resultError = CogVideoXTiny.RelativeError(latents, inputs[$"{name}_result"]);
        output.WriteLine($"{name} result: relative L2 error {resultError:E3}");
        Assert.True(resultError < Tolerance, $"{name} result: relative error {resultError:E3}");
        latents.Dispose();
        CogVideoXTiny.DisposeAll(inputs);
    }

    /// <summary>The noise diffusers drew at each step of the fixture's DPM loop.</summary>
    private sealed class FixtureNoise : INoiseSource
    {
        public Tensor? Steps { get; set; }

        public Tensor Noise(int step, Tensor like) => (Steps ?? throw new InvalidOperationException("no noise loaded"))[step].to(like.dtype, like.device).clone();
    }
}
