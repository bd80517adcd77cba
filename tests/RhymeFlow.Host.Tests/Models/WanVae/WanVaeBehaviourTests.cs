namespace RhymeFlow.Host.Tests.Models.WanVae;

/// <summary>De-normalisation, causality, argument checks and memory discipline of the tiny VAE.</summary>
public sealed class WanVaeBehaviourTests
{
    [Fact]
    public void DenormalizeIsLatentsTimesStdPlusMeanPerChannel()
    {
        using var model = WanVaeTiny.Load();
        using var scope = NewDisposeScope();
        var latents = randn([2, 4, 3, 2, 2], generator: new Generator(7));
        var std = tensor(new[] { 1.5f, 0.8f, 1.2f, 2.0f }).view(1, 4, 1, 1, 1);
        var mean = tensor(new[] { 0.1f, -0.2f, 0.3f, -0.4f }).view(1, 4, 1, 1, 1);

        var denormalized = model.Denormalize(latents);
        Assert.True(denormalized.allclose(latents * std + mean, rtol: 1e-6, atol: 1e-6));

        // Channel 3 of one position, by hand: x · 2.0 − 0.4.
        var x = latents[1, 3, 2, 1, 0].item<float>();
        Assert.Equal((x * 2.0) - 0.4, denormalized[1, 3, 2, 1, 0].item<float>(), 5);

        Assert.True(model.Normalize(denormalized).allclose(latents, rtol: 1e-5, atol: 1e-5));
    }

    [Fact]
    public void DecodingIsCausal()
    {
        // The first latent frame alone decodes to the first video frame of the whole decode.
        using var model = WanVaeTiny.Load();
        using var scope = NewDisposeScope();
        var latents = WanVaeTiny.ReadCase("latents");
        var expected = WanVaeTiny.ReadCase("decoded");
        var first = model.Decode(latents.narrow(2, 0, 1));
        Assert.Equal([1L, 3, 1, 16, 16], first.shape);
        Assert.True(WanVaeTiny.RelativeError(first, expected.narrow(2, 0, 1)) < WanVaeTiny.Tolerance);
        var two = model.Decode(latents.narrow(2, 0, 2));
        Assert.Equal([1L, 3, 3, 16, 16], two.shape);
        Assert.True(WanVaeTiny.RelativeError(two, expected.narrow(2, 0, 3)) < WanVaeTiny.Tolerance);
    }

    [Fact]
    public void EncodingIsCausal()
    {
        using var model = WanVaeTiny.Load();
        using var scope = NewDisposeScope();
        var video = WanVaeTiny.ReadCase("video");
        var expected = WanVaeTiny.ReadCase("encoded_mean");
        var first = model.EncodeMean(video.narrow(2, 0, 1));
        Assert.Equal([1L, 4, 1, 4, 4], first.shape);
        Assert.True(WanVaeTiny.RelativeError(first, expected.narrow(2, 0, 1)) < WanVaeTiny.Tolerance);
    }

    [Fact]
    public void BatchesDecodeLikeSingleVideos()
    {
        using var model = WanVaeTiny.Load();
        using var scope = NewDisposeScope();
        var latents = WanVaeTiny.ReadCase("latents");
        var pair = cat([latents, latents.flip(2)], 0);
        var decoded = model.Decode(pair);
        var a = (decoded[0] - model.Decode(latents)[0]).abs().max().item<float>();
        var b = (decoded[1] - model.Decode(latents.flip(2))[0]).abs().max().item<float>();
        Assert.True(a < 1e-5 && b < 1e-5, $"max differences {a:E2}, {b:E2}");
    }

    [Fact]
    public void BadShapesAreRejected()
    {
        using var model = WanVaeTiny.Load();
        using var scope = NewDisposeScope();
        var wrongChannels = Assert.Throws<ArgumentException>(() => model.Decode(zeros([1, 16, 2, 4, 4])));
        Assert.Contains("[B, 4, T, h, w]", wrongChannels.Message);
        Assert.Throws<ArgumentException>(() => model.Denormalize(zeros([1, 4, 4, 4])));
        var frames = Assert.Throws<ArgumentException>(() => model.EncodeMean(zeros([1, 3, 6, 16, 16])));
        Assert.Contains("1 + 4k, got 6", frames.Message);
        var size = Assert.Throws<ArgumentException>(() => model.EncodeMean(zeros([1, 3, 5, 18, 16])));
        Assert.Contains("multiples of 4", size.Message);
    }

    [Fact]
    public void FrameCountsFollowTheTemporalFactor()
    {
        using var model = WanVaeTiny.Load();
        Assert.Equal(5, model.VideoFrames(3));
        Assert.Equal(3, model.LatentFrames(5));
        Assert.Equal(81, Host.Models.WanVae.WanVae.Create(Host.Models.WanVae.WanVaeConfig.Wan21, ScalarType.Float32, new Device("meta")).VideoFrames(21));
    }

    [Fact]
    public void DecodeAndEncodeLeaveNoLiveTensors()
    {
        using var model = WanVaeTiny.Load();
        using var latents = WanVaeTiny.ReadCase("latents");
        using var video = WanVaeTiny.ReadCase("video");
        model.Decode(latents).Dispose();
        model.EncodeMean(video).Dispose();
        model.Denormalize(latents).Dispose();

        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 3; i++)
        {
            model.Decode(latents).Dispose();
            model.EncodeMean(video).Dispose();
            model.Denormalize(latents).Dispose();
            model.Normalize(latents).Dispose();
        }

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
