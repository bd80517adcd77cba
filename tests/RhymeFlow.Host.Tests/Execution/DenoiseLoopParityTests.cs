using RhymeFlow.Core;
using RhymeFlow.Host.Execution;
using RhymeFlow.Host.Tests.Models.Wan;
using Xunit.Abstractions;

namespace RhymeFlow.Host.Tests.Execution;

public sealed class DenoiseLoopParityTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(SolverKind.Euler, "loop_euler_shift3_steps10_result")]
    [InlineData(SolverKind.UniPC, "loop_unipc_shift3_steps10_result")]
    public void DensePlanReproducesTheDiffusersLoop(SolverKind solver, string expectedKey)
    {
        using var model = WanTiny.Load();
        var fixture = WanTiny.ReadCase("schedulers-public.safetensors");
        try
        {
            var request = new DenoiseRequest(fixture["loop_text"], fixture["loop_noise"], Schedules.Dense(steps: 10, shift: 3, solver: solver), Guidance: 1);
            using var result = new VideoDenoiser(model).Run(request, _ => { }, CancellationToken.None);
            var error = WanTiny.RelativeError(result.Latents, fixture[expectedKey]);
            var otherSolver = WanTiny.RelativeError(result.Latents, fixture[solver == SolverKind.Euler ? "loop_unipc_shift3_steps10_result" : "loop_euler_shift3_steps10_result"]);
            output.WriteLine($"{solver}: relative L2 error {error:E2} (against the other solver's result: {otherSolver:E2})");
            Assert.True(error < 1e-4, $"relative L2 error {error:E2} against diffusers' {expectedKey}");
        }
        finally
        {
            foreach (var tensor in fixture.Values)
            {
                tensor.Dispose();
            }
        }
    }
}
