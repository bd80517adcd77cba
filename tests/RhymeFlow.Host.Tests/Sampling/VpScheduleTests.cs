using RhymeFlow.Core;
using RhymeFlow.Host.Sampling;
using RhymeFlow.Host.Tests.Models.CogVideoX;

namespace RhymeFlow.Host.Tests.Sampling;

/// <summary>The CogVideoX VP schedule against the tables diffusers stored with the loop fixture.</summary>
public sealed class VpScheduleTests
{
    [Fact]
    public void AlphasCumprodMatchDiffusersWithAnExactZeroAtTheEnd()
    {
        var schedule = VpSchedule.Create(VpScheduleConfig.CogVideoX5B, 10);
        var inputs = CogVideoXTiny.ReadCase("cogvideox-tiny.loop.safetensors");
        using var expected = inputs["alphas_cumprod"].to(ScalarType.Float64);
        using var actual = tensor(schedule.AlphasCumprod.ToArray());
        Assert.True((actual - expected).abs().max().item<double>() < 1e-6);
        Assert.Equal(0.0, schedule.AlphasCumprod[^1]);
        CogVideoXTiny.DisposeAll(inputs);
    }

    [Theory]
    [InlineData(10, "timesteps")]
    [InlineData(12, "timesteps_steps12")]
    [InlineData(50, "timesteps_steps50")]
    public void TrailingTimestepsMatchDiffusers(int steps, string name)
    {
        var inputs = CogVideoXTiny.ReadCase("cogvideox-tiny.loop.safetensors");
        var expected = inputs[name].data<float>().Select(t => (int)t).ToArray();
        Assert.Equal(expected, VpSchedule.Create(VpScheduleConfig.CogVideoX5B, steps).Timesteps);
        CogVideoXTiny.DisposeAll(inputs);
    }

    [Fact]
    public void HostAndCoreAgreeOnEveryStepCount()
    {
        var config = VpScheduleConfig.CogVideoX5B;
        var core = Vp.CogVideoX5B;
        var longer = 0;
        for (var steps = 1; steps <= config.NumTrainTimesteps; steps++)
        {
            var host = VpSchedule.Create(config, steps);
            var ladder = Vp.Ladder(core, steps).ResultValue;

            // numpy's arange has ceil(T / (T / N)) entries: one more, a trailing -1, for some N.
            var ratio = (double)config.NumTrainTimesteps / steps;
            longer += (int)Math.Ceiling(config.NumTrainTimesteps / ratio) > steps ? 1 : 0;

            Assert.Equal(steps, host.Steps);
            Assert.Equal(ladder.Timesteps, host.Timesteps);
            Assert.True(host.Timesteps[^1] >= 0, $"{steps} steps: the last timestep is {host.Timesteps[^1]}");
            // F# lists: read them once, not by index.
            Assert.Equal(ladder.AlphasCumprod.Take(steps), Enumerable.Range(0, steps).Select(host.Alpha));
            Assert.Equal(ladder.PreviousAlphas, Enumerable.Range(0, steps).Select(host.PreviousAlpha));
        }

        // The step counts where the host used to keep numpy's -1 (61, 103, ...).
        Assert.Equal(62, longer);
    }

    [Fact]
    public void ThePreviousAlphaIsOneOnlyPastTheLastTimestep()
    {
        var schedule = VpSchedule.Create(VpScheduleConfig.CogVideoX5B, 12);

        // 1000 // 12 = 83 is not the spacing of the trailing table, as in diffusers.
        Assert.Equal(schedule.AlphasCumprod[schedule.Timesteps[0] - 83], schedule.PreviousAlpha(0));
        Assert.True(schedule.IsFinal(11));
        Assert.Equal(1.0, schedule.PreviousAlpha(11));
    }
}
