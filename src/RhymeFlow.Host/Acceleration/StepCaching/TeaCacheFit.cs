namespace RhymeFlow.Host.Acceleration.StepCaching;

/// <summary>A fitted TeaCache rescale polynomial.</summary>
/// <param name="Coefficients">Highest power first, as <see cref="StepCache.TeaCache"/> takes them.</param>
/// <param name="RSquared">1 − SS_res / SS_tot of the fit on its samples.</param>
/// <param name="Samples">How many (input, output) pairs it was fitted on.</param>
public sealed record TeaCacheFit(IReadOnlyList<double> Coefficients, double RSquared, int Samples);
