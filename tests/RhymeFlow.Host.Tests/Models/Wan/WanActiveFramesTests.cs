using RhymeFlow.Host.Models.Wan;

namespace RhymeFlow.Host.Tests.Models.Wan;

/// <summary>
/// The active-frames forward against the full forward: with context recorded from the same state, computing only
/// some frames must give exactly the full forward's velocity on those frames.
/// </summary>
public sealed class WanActiveFramesTests : IDisposable
{
    private const int TokensPerFrame = 16;
    private const double Exact = 1e-5;
    private readonly WanTransformer model = WanTiny.Load();
    private readonly Tensor latents;
    private readonly Tensor frameTimesteps;
    private readonly WanTextContext text;

    public WanActiveFramesTests()
    {
        var generator = new Generator(20261123);
        latents = randn([2, 4, 5, 8, 8], generator: generator);
        frameTimesteps = tensor(new float[,] { { 999f, 874.5f, 617.25f, 300f, 12f }, { 950f, 700f, 500f, 250.5f, 40f } });
        using var prompts = randn([2, 7, 24], generator: generator);
        text = model.PrepareText(prompts);
    }

    public static TheoryData<int[], WanContextKind> Subsets()
    {
        var data = new TheoryData<int[], WanContextKind>();
        foreach (var kind in Enum.GetValues<WanContextKind>())
        {
            data.Add([0], kind);
            data.Add([4], kind);
            data.Add([1, 3], kind);
            data.Add([0, 2, 4], kind);
            data.Add([3, 1], kind);
            data.Add([2, 3], kind);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Subsets))]
    public void ActiveForwardEqualsTheFullForwardOnItsFrames(int[] active, WanContextKind kind)
    {
        var others = Enumerable.Range(0, 5).Except(active).ToArray();
        using var timestep = WanTransformer.ExpandFrameTimesteps(frameTimesteps, TokensPerFrame);
        var (full, context) = model.ForwardRecording(latents, timestep, text, others, kind);
        using var fullVelocity = full;
        using var frameContext = context;

        using var index = tensor(active.Select(f => (long)f).ToArray());
        using var activeLatents = latents.index_select(2, index);
        using var activeFrameTimesteps = frameTimesteps.index_select(1, index);
        using var activeTimestep = WanTransformer.ExpandFrameTimesteps(activeFrameTimesteps, TokensPerFrame);
        using var velocity = model.ForwardActive(activeLatents, active, activeTimestep, text, frameContext);

        using var expected = fullVelocity.index_select(2, index);
        Assert.Equal(expected.shape, velocity.shape);
        var error = WanTiny.RelativeError(velocity, expected);
        Assert.True(error < Exact, $"{kind} [{string.Join(",", active)}]: relative error {error:E3}");
    }

    [Fact]
    public void ActiveForwardWithABatchTimestepEqualsTheFullForward()
    {
        using var timestep = tensor(new[] { 617.25f, 300f });
        var (full, context) = model.ForwardRecording(latents, timestep, text, [0, 1, 3], WanContextKind.KeyValue);
        using var fullVelocity = full;
        using var frameContext = context;
        using var index = tensor(new long[] { 2, 4 });
        using var activeLatents = latents.index_select(2, index);
        using var velocity = model.ForwardActive(activeLatents, [2, 4], timestep, text, frameContext);
        using var expected = fullVelocity.index_select(2, index);
        Assert.True(WanTiny.RelativeError(velocity, expected) < Exact);
    }

    [Fact]
    public void HiddenContextGivesTheSameVelocityAsKeyValueContext()
    {
        using var timestep = WanTransformer.ExpandFrameTimesteps(frameTimesteps, TokensPerFrame);
        var (fullKv, kvContext) = model.ForwardRecording(latents, timestep, text, [0, 2, 4], WanContextKind.KeyValue);
        var (fullHidden, hiddenContext) = model.ForwardRecording(latents, timestep, text, [0, 2, 4], WanContextKind.Hidden);
        using var a = fullKv;
        using var b = fullHidden;
        using var kv = kvContext;
        using var hidden = hiddenContext;

        // A different state for the active frames than the recorded one: both contexts must still agree.
        using var index = tensor(new long[] { 1, 3 });
        using var activeLatents = latents.index_select(2, index) * 0.5f;
        using var activeTimestep = WanTransformer.ExpandFrameTimesteps(frameTimesteps.index_select(1, index) - 10f, TokensPerFrame);
        using var fromKv = model.ForwardActive(activeLatents, [1, 3], activeTimestep, text, kv);
        using var fromHidden = model.ForwardActive(activeLatents, [1, 3], activeTimestep, text, hidden);
        Assert.True(WanTiny.RelativeError(fromHidden, fromKv) < Exact);
        Assert.True(a.eq(b).all().item<bool>());
        Assert.True(hidden.SizeBytes < kv.SizeBytes);
    }

    [Fact]
    public void ContextReportsWhatItHolds()
    {
        using var timestep = tensor(new[] { 500f, 500f });
        var (full, context) = model.ForwardRecording(latents, timestep, text, [4, 0, 4], WanContextKind.KeyValue);
        full.Dispose();
        using (context)
        {
            Assert.Equal([0, 4], context.Frames);
            Assert.Equal(2, context.LayerCount);
            Assert.Equal((4, 4), (context.GridHeight, context.GridWidth));

            // Per layer K and V: batch 2 × 32 channels × 2 frames × 16 tokens, float32.
            Assert.Equal(2L * 2 * (2 * 32 * 2 * 16) * 4, context.SizeBytes);
            Assert.Equal(0, context.HostSizeBytes);
        }
    }

    [Fact]
    public void ActiveFramesThatAreInTheContextAreRejected()
    {
        using var timestep = tensor(new[] { 500f, 500f });
        var (full, context) = model.ForwardRecording(latents, timestep, text, [0, 1], WanContextKind.KeyValue);
        full.Dispose();
        using (context)
        {
            using var index = tensor(new long[] { 1, 2 });
            using var activeLatents = latents.index_select(2, index);
            var error = Assert.Throws<ArgumentException>(() => model.ForwardActive(activeLatents, [1, 2], timestep, text, context));
            Assert.Contains("[1]", error.Message);
        }
    }

    public void Dispose()
    {
        text.Dispose();
        latents.Dispose();
        frameTimesteps.Dispose();
        model.Dispose();
    }
}
