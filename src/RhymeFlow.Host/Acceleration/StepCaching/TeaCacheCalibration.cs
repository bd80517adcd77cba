namespace RhymeFlow.Host.Acceleration.StepCaching;

/// <summary>
/// Calibrates TeaCache for a model as its authors do for each of theirs: dense probe runs
/// (<see cref="StepCache.TeaCacheProbe"/>) give, per step and row, the relative change of the modulated input and of
/// the block stack's output residual; a least-squares polynomial (degree 4, highest power first, numpy's
/// <c>polyfit</c>) maps the first to the second.
/// </summary>
public static class TeaCacheCalibration
{
    /// <summary>The TeaCache authors' degree.</summary>
    public const int DefaultDegree = 4;

    /// <summary>Every row's (input, output) pair of a probe trace where both changes are known.</summary>
    public static IReadOnlyList<TeaCacheSample> Samples(StepCacheTrace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        return [.. trace.Steps.SelectMany(step => step.RowInputChanges.Zip(step.RowOutputChanges, (input, output) => new TeaCacheSample(input, output)))
            .Where(s => double.IsFinite(s.InputChange) && double.IsFinite(s.OutputChange))];
    }

    /// <summary>The least-squares polynomial of <paramref name="degree"/> through the samples, with its R².</summary>
    public static TeaCacheFit Fit(IReadOnlyList<TeaCacheSample> samples, int degree = DefaultDegree)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfNegative(degree);
        if (samples.Count <= degree)
        {
            throw new ArgumentException($"A degree-{degree} fit needs more than {degree} samples, got {samples.Count}: run more probe steps or captions.", nameof(samples));
        }

        if (samples.Any(s => !double.IsFinite(s.InputChange) || !double.IsFinite(s.OutputChange)))
        {
            throw new ArgumentException("Calibration samples must be finite; take them from TeaCacheCalibration.Samples.", nameof(samples));
        }

        var x = samples.Select(s => s.InputChange).ToArray();
        var y = samples.Select(s => s.OutputChange).ToArray();

        // Columns x^degree .. x^0, so the solution is highest power first.
        var design = new double[x.Length, degree + 1];
        for (var i = 0; i < x.Length; i++)
        {
            for (var j = 0; j <= degree; j++)
            {
                design[i, j] = Math.Pow(x[i], degree - j);
            }
        }

        var coefficients = LeastSquares.Solve(design, y);
        var mean = y.Average();
        var residual = 0.0;
        var total = 0.0;
        for (var i = 0; i < x.Length; i++)
        {
            var predicted = coefficients.Aggregate(0.0, (acc, c) => (acc * x[i]) + c);
            residual += (y[i] - predicted) * (y[i] - predicted);
            total += (y[i] - mean) * (y[i] - mean);
        }

        var rSquared = total == 0 ? (residual == 0 ? 1 : 0) : 1 - (residual / total);
        return new TeaCacheFit(coefficients, rSquared, x.Length);
    }
}
