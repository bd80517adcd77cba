namespace RhymeFlow.Host.Acceleration.StepCaching;

/// <summary>TeaCache (ali-vilab, TeaCache4Wan2.1): accumulated rescaled relative L1 change of each row's time projection.</summary>
/// <param name="Threshold">Reuse while the accumulated rescaled change stays strictly below it; 0 computes every step.</param>
/// <param name="Coefficients">The rescale polynomial, highest power first.</param>
public sealed record TeaCacheSettings(double Threshold, IReadOnlyList<double> Coefficients) : StepCache
{
    public override void Validate()
    {
        CheckThreshold(Threshold, "TeaCache");
        if (Coefficients is null || Coefficients.Count == 0)
        {
            throw new ArgumentException(
                "TeaCache needs the rescale polynomial's coefficients (highest power first), got none: calibrate the model (calibrate-teacache) or use the TeaCache authors' Wan coefficients.",
                nameof(Coefficients));
        }

        if (Coefficients.Any(c => !double.IsFinite(c)))
        {
            throw new ArgumentException($"TeaCache coefficients must be finite, got [{string.Join(", ", Coefficients)}].", nameof(Coefficients));
        }
    }

    public override string ToString() => $"TeaCache (threshold {Threshold})";
}
