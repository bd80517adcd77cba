using Xunit.Abstractions;

namespace RhymeFlow.Host.Tests.Models.WanVae;

/// <summary>The tiny VAE against diffusers' <c>AutoencoderKLWan</c> outputs.</summary>
public sealed class WanVaeParityTests(ITestOutputHelper output)
{
    [Fact]
    public void DecodeMatchesDiffusers()
    {
        using var model = WanVaeTiny.Load();
        using var latents = WanVaeTiny.ReadCase("latents");
        using var expected = WanVaeTiny.ReadCase("decoded");
        using var decoded = model.Decode(latents);

        Assert.Equal(expected.shape, decoded.shape);
        var error = WanVaeTiny.RelativeError(decoded, expected);
        output.WriteLine($"decode relative L2 error {error:E3}");

        var watch = System.Diagnostics.Stopwatch.StartNew();
        const int Runs = 10;
        for (var i = 0; i < Runs; i++)
        {
            model.Decode(latents).Dispose();
        }

        output.WriteLine($"tiny decode on {model.Device}: {watch.Elapsed.TotalMilliseconds / Runs:F1} ms per call (warm, mean of {Runs})");
        Assert.True(error < WanVaeTiny.Tolerance, $"relative error {error:E3}");
    }

    [Fact]
    public void EncodeMeanMatchesDiffusers()
    {
        using var model = WanVaeTiny.Load();
        using var video = WanVaeTiny.ReadCase("video");
        using var expected = WanVaeTiny.ReadCase("encoded_mean");
        using var mean = model.EncodeMean(video);

        Assert.Equal(expected.shape, mean.shape);
        var error = WanVaeTiny.RelativeError(mean, expected);
        output.WriteLine($"encode relative L2 error {error:E3}");
        Assert.True(error < WanVaeTiny.Tolerance, $"relative error {error:E3}");
    }
}
