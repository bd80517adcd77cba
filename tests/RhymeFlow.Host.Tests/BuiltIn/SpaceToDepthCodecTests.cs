using RhymeFlow.Host.BuiltIn;

namespace RhymeFlow.Host.Tests.BuiltIn;

public sealed class SpaceToDepthCodecTests
{
    [Fact]
    public void GeneratedClipsRoundTripBitExactly()
    {
        using var scope = NewDisposeScope();
        var pixels = ClipGenerator.RenderBatch(new TrainingSampler(5).SampleBatch(0, 4));
        var latents = SpaceToDepthCodec.Encode(pixels);
        Assert.Equal(new long[] { 4, 12, 16, 16, 16 }, latents.shape);
        Assert.True(SpaceToDepthCodec.Decode(latents).eq(pixels).all().item<bool>());
    }

    [Fact]
    public void RandomTensorsOfOtherSizesRoundTripBitExactly()
    {
        using var scope = NewDisposeScope();
        var pixels = randn([2, 3, 5, 6, 10], dtype: ScalarType.Float64);
        var latents = SpaceToDepthCodec.Encode(pixels);
        Assert.Equal(new long[] { 2, 12, 5, 3, 5 }, latents.shape);
        Assert.True(SpaceToDepthCodec.Decode(latents).eq(pixels).all().item<bool>());
    }

    [Fact]
    public void LatentChannelsFollowPixelUnshuffleOrder()
    {
        using var scope = NewDisposeScope();
        var pixels = arange(2 * 3 * 2 * 4 * 6, dtype: ScalarType.Float32).reshape(2, 3, 2, 4, 6);
        var latents = SpaceToDepthCodec.Encode(pixels);
        for (var c = 0; c < 3; c++)
        {
            for (var i = 0; i < 2; i++)
            {
                for (var j = 0; j < 2; j++)
                {
                    var expected = pixels[1, c, 1, 2 + i, 4 + j].item<float>();
                    Assert.Equal(expected, latents[1, (4 * c) + (2 * i) + j, 1, 1, 2].item<float>());
                }
            }
        }
    }

    [Fact]
    public void ThirtyTwoPixelClipsMakeA1024TokenSequenceWithWansPatch()
    {
        using var scope = NewDisposeScope();
        var latents = SpaceToDepthCodec.Encode(zeros([1, 3, 16, 32, 32]));
        Assert.Equal(1024, latents.shape[2] * (latents.shape[3] / 2) * (latents.shape[4] / 2));
    }

    [Fact]
    public void RejectsBadShapesNamingThem()
    {
        using var scope = NewDisposeScope();
        Assert.Contains("[1, 4, 2, 4, 4]", Assert.Throws<ArgumentException>(() => SpaceToDepthCodec.Encode(zeros([1, 4, 2, 4, 4]))).Message);
        Assert.Contains("5x4", Assert.Throws<ArgumentException>(() => SpaceToDepthCodec.Encode(zeros([1, 3, 2, 5, 4]))).Message);
        Assert.Contains("[1, 3, 2, 4, 4]", Assert.Throws<ArgumentException>(() => SpaceToDepthCodec.Decode(zeros([1, 3, 2, 4, 4]))).Message);
    }
}
