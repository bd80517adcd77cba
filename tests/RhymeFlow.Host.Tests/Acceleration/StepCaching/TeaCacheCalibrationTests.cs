using RhymeFlow.Host.Acceleration.StepCaching;

namespace RhymeFlow.Host.Tests.Acceleration.StepCaching;

public sealed class TeaCacheCalibrationTests
{
    private static readonly double[] Known = [2.39676752e3, -1.31110545e3, 2.01331979e2, -8.29855975, 1.37887774e-1];

    private static double Polynomial(IReadOnlyList<double> coefficients, double x) => coefficients.Aggregate(0.0, (acc, c) => (acc * x) + c);

    [Fact]
    public void TheFitRecoversAKnownPolynomialFromExactSamples()
    {
        // Changes as small as a dense run sees: the Vandermonde columns span eight orders of magnitude.
        var samples = Enumerable.Range(0, 60).Select(i => 0.01 + (i * 0.005)).Select(x => new TeaCacheSample(x, Polynomial(Known, x))).ToArray();
        var fit = TeaCacheCalibration.Fit(samples);
        Assert.Equal(60, fit.Samples);
        Assert.Equal(5, fit.Coefficients.Count);
        for (var i = 0; i < Known.Length; i++)
        {
            Assert.Equal(Known[i], fit.Coefficients[i], Math.Abs(Known[i]) * 1e-6);
        }

        Assert.Equal(1.0, fit.RSquared, 9);
    }

    [Fact]
    public void NoisySamplesGiveAnRSquaredBelowOne()
    {
        var random = new Random(3);
        var samples = Enumerable.Range(0, 200)
            .Select(_ => random.NextDouble() * 0.3)
            .Select(x => new TeaCacheSample(x, (2 * x) + 0.05 + ((random.NextDouble() - 0.5) * 0.02)))
            .ToArray();
        var fit = TeaCacheCalibration.Fit(samples);
        Assert.InRange(fit.RSquared, 0.9, 0.9999);
        Assert.Equal(0.25, Polynomial(fit.Coefficients, 0.1), 0.01);
        Assert.Equal(0.45, Polynomial(fit.Coefficients, 0.2), 0.01);
    }

    [Fact]
    public void TooFewSamplesAreAClearError()
    {
        var error = Assert.Throws<ArgumentException>(() => TeaCacheCalibration.Fit([new(0.1, 0.2), new(0.2, 0.3)]));
        Assert.Contains("needs more than 4 samples, got 2", error.Message);
    }
}
