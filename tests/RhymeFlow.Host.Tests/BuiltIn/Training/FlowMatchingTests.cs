using RhymeFlow.Host.BuiltIn.Training;

namespace RhymeFlow.Host.Tests.BuiltIn.Training;

public sealed class FlowMatchingTests
{
    [Theory]
    [InlineData(0.0, 3.0, 0.0)]
    [InlineData(1.0, 3.0, 1.0)]
    [InlineData(0.5, 3.0, 0.75)]
    [InlineData(0.3, 1.0, 0.3)]
    public void Shift_fixes_the_ends_and_moves_the_middle(double sigma, double shift, double expected) =>
        Assert.Equal(expected, FlowMatching.Shift(sigma, shift), 12);

    [Fact]
    public void Sampled_sigmas_are_the_shifted_logit_normal()
    {
        using var generator = new Generator(5, CPU);
        using var sigma = FlowMatching.SampleSigmas(generator, 20_000, 3.0);
        using var median = sigma.median();
        Assert.InRange(sigma.min().item<float>(), 0f, 1f);
        Assert.InRange(sigma.max().item<float>(), 0f, 1f);
        Assert.InRange(median.item<float>(), 0.74f, 0.76f); // sigmoid(0) = 0.5, shifted by 3 → 0.75
    }

    [Fact]
    public void Interpolation_is_linear_in_sigma_and_the_target_is_noise_minus_clean()
    {
        using var clean = full(2, 3, 0.5f);
        using var noise = full(2, 3, -1f);
        using var sigma = tensor(new[] { 0f, 0.25f });
        var (noisy, target) = FlowMatching.Interpolate(clean, noise, sigma);
        Assert.Equal([0.5f, 0.5f, 0.5f, 0.125f, 0.125f, 0.125f], noisy.data<float>().ToArray());
        Assert.All(target.data<float>().ToArray(), v => Assert.Equal(-1.5f, v));
        noisy.Dispose();
        target.Dispose();
    }
}
