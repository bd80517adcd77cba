namespace RhymeFlow.Host.Sampling;

/// <summary>
/// A VP schedule laid out for a number of inference steps: ᾱ over the training timesteps (float64, as diffusers keeps
/// it) and the trailing inference timesteps. Immutable; the solvers read it by step index.
/// </summary>
public sealed class VpSchedule
{
    private readonly double[] alphasCumprod;
    private readonly int[] timesteps;

    private VpSchedule(VpScheduleConfig config, double[] alphasCumprod, int[] timesteps)
    {
        Config = config;
        this.alphasCumprod = alphasCumprod;
        this.timesteps = timesteps;
    }

    /// <summary>The schedule's config.</summary>
    public VpScheduleConfig Config { get; }

    /// <summary>ᾱ per training timestep, after the SNR shift and the zero-terminal-SNR rescale.</summary>
    public IReadOnlyList<double> AlphasCumprod => alphasCumprod;

    /// <summary>The inference timesteps, descending (for 10 steps: 999, 899, …, 99).</summary>
    public IReadOnlyList<int> Timesteps => timesteps;

    /// <summary>Inference steps.</summary>
    public int Steps => timesteps.Length;

    /// <summary>Builds the schedule for <paramref name="steps"/> inference steps with trailing spacing.</summary>
    /// <exception cref="ArgumentException">The config or the step count is out of range.</exception>
    public static VpSchedule Create(VpScheduleConfig config, int steps)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.NumTrainTimesteps < 2 || config.BetaStart <= 0 || config.BetaEnd < config.BetaStart || config.BetaEnd >= 1 || config.SnrShiftScale <= 0)
        {
            throw new ArgumentException($"invalid VP schedule config {config}", nameof(config));
        }

        if (steps < 1 || steps > config.NumTrainTimesteps)
        {
            throw new ArgumentOutOfRangeException(nameof(steps), steps, $"steps must be in 1..{config.NumTrainTimesteps}");
        }

        return new VpSchedule(config, AlphasCumprodOf(config), TrailingTimesteps(config.NumTrainTimesteps, steps));
    }

    /// <summary>ᾱ at the inference step's timestep.</summary>
    public double Alpha(int step) => alphasCumprod[timesteps[step]];

    /// <summary>
    /// ᾱ at the step's "previous" timestep, t − num_train_timesteps / steps (integer division), or 1 where that is
    /// negative (<c>set_alpha_to_one</c>). As in diffusers, this is the next inference timestep only when the step
    /// count divides the training timesteps.
    /// </summary>
    public double PreviousAlpha(int step)
    {
        var previous = timesteps[step] - (Config.NumTrainTimesteps / Steps);
        return previous >= 0 ? alphasCumprod[previous] : 1.0;
    }

    /// <summary>Whether the step's previous timestep is negative, so the step lands on clean data.</summary>
    public bool IsFinal(int step) => timesteps[step] - (Config.NumTrainTimesteps / Steps) < 0;

    /// <summary>Throws unless <paramref name="step"/> is a valid inference step index.</summary>
    public void CheckStep(int step)
    {
        if (step < 0 || step >= Steps)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, $"step must be in 0..{Steps - 1}");
        }
    }

    private static double[] AlphasCumprodOf(VpScheduleConfig config)
    {
        var n = config.NumTrainTimesteps;
        var (start, end) = (Math.Sqrt(config.BetaStart), Math.Sqrt(config.BetaEnd));
        var alphas = new double[n];
        var product = 1.0;
        for (var i = 0; i < n; i++)
        {
            // torch.linspace(√β₀, √β₁, n, float64) ** 2, then the cumulative product of 1 − β.
            var root = start + ((end - start) * i / (n - 1));
            product *= 1.0 - (root * root);
            alphas[i] = product;
        }

        var s = config.SnrShiftScale;
        for (var i = 0; i < n; i++)
        {
            alphas[i] /= s + ((1 - s) * alphas[i]);
        }

        if (config.RescaleBetasZeroSnr)
        {
            // Shift √ᾱ so that its last value is 0 and scale it so that its first value is unchanged.
            var first = Math.Sqrt(alphas[0]);
            var last = Math.Sqrt(alphas[^1]);
            for (var i = 0; i < n; i++)
            {
                var root = (Math.Sqrt(alphas[i]) - last) * (first / (first - last));
                alphas[i] = root * root;
            }
        }

        return alphas;
    }

    /// <summary>
    /// numpy's <c>round(arange(n, 0, -n / steps)) - 1</c>, rounding half to even as numpy does, cut to
    /// <paramref name="steps"/> entries. For 62 step counts of 1000 (61, 103, …) the float length ceil(n / (n / steps))
    /// is steps + 1 and numpy appends a timestep −1, which no model evaluation can use; the core's VP ladder
    /// (<c>Vp.ladder</c>) keeps the first <paramref name="steps"/> too, so host and core agree on every step count.
    /// </summary>
    private static int[] TrailingTimesteps(int n, int steps)
    {
        var ratio = (double)n / steps;
        return [.. Enumerable.Range(0, steps).Select(k => (int)Math.Round(n + (k * -ratio), MidpointRounding.ToEven) - 1)];
    }
}
