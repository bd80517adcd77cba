using RhymeFlow.Host.Models.Wan;

namespace RhymeFlow.Host.Tests.Models.Wan;

/// <summary>Batched CFG, reduced precision, and the memory discipline of the forwards.</summary>
public sealed class WanBatchAndDtypeTests
{
    [Fact]
    public void BatchOfTwoEqualsTwoSingleForwards()
    {
        using var model = WanTiny.Load();
        var generator = new Generator(7);
        using var latents = randn([2, 4, 3, 8, 8], generator: generator);
        using var prompts = randn([2, 7, 24], generator: generator);
        using var timestep = tensor(new[] { 617.25f, 617.25f });

        using var batched = model.Forward(latents, timestep, prompts);
        for (var row = 0; row < 2; row++)
        {
            using var single = model.Forward(latents.narrow(0, row, 1), timestep.narrow(0, row, 1), prompts.narrow(0, row, 1));
            using var batchedRow = batched.narrow(0, row, 1);
            Assert.True(WanTiny.RelativeError(single, batchedRow) < 1e-5);
        }
    }

    [Theory]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void ReducedPrecisionStaysCloseToFloat32(ScalarType dtype)
    {
        using var model = WanTiny.Load(dtype);
        var inputs = WanTiny.ReadCase("wan-tiny-perframe.case.safetensors");
        using var output = model.Forward(inputs["hidden_states"], inputs["timestep"], inputs["encoder_hidden_states"]);

        Assert.Equal(dtype, output.dtype);
        var error = WanTiny.RelativeError(output, inputs["expected"]);
        Assert.True(error < 3e-2, $"{dtype}: relative error {error:E3}");
        WanParityTests.DisposeAll(inputs);
    }

    [Fact]
    public void ForwardsLeaveNoLiveTensors()
    {
        using var model = WanTiny.Load();
        var generator = new Generator(11);
        using var latents = randn([2, 4, 5, 8, 8], generator: generator);
        using var prompts = randn([2, 7, 24], generator: generator);
        using var frameTimesteps = tensor(new float[,] { { 900f, 800f, 700f, 600f, 500f }, { 900f, 800f, 700f, 600f, 500f } });
        using var timestep = WanTransformer.ExpandFrameTimesteps(frameTimesteps, 16);
        using var activeIndex = tensor(new long[] { 1, 3 });
        using var activeLatents = latents.index_select(2, activeIndex);
        using var activeTimestep = WanTransformer.ExpandFrameTimesteps(frameTimesteps.index_select(1, activeIndex), 16);

        void Round()
        {
            using var text = model.PrepareText(prompts);
            model.Forward(latents, timestep, text).Dispose();
            foreach (var kind in Enum.GetValues<WanContextKind>())
            {
                var (velocity, context) = model.ForwardRecording(latents, timestep, text, [0, 2, 4], kind);
                velocity.Dispose();
                using (context)
                {
                    model.ForwardActive(activeLatents, [1, 3], activeTimestep, text, context).Dispose();
                    model.ForwardActive(activeLatents, [1, 3], activeTimestep, text, context).Dispose();
                }
            }
        }

        Round(); // fills the rotary-table cache
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 3; i++)
        {
            Round();
        }

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
