using static TorchSharp.torch;

namespace RhymeFlow.Host.Acceleration.StepCaching;

/// <summary>Per-row relative L1 change, mean|x − x_prev| / mean|x_prev|, as the core's RelativeChange defines it.</summary>
internal static class RelativeL1
{
    /// <summary>
    /// One change per row of [B, ...] tensors, in float32. Reads two numbers per row back to the CPU: this is the
    /// per-step device-to-host read the data-dependent caches need to decide.
    /// </summary>
    public static double[] PerRow(Tensor current, Tensor previous)
    {
        using var scope = NewDisposeScope();
        var now = current.to(ScalarType.Float32).flatten(1);
        var before = previous.to(ScalarType.Float32).flatten(1);
        var change = now.sub(before).abs().mean([1]);
        var scale = before.abs().mean([1]);
        var read = stack([change, scale], 1).to(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
        var rows = new double[read.Length / 2];
        for (var row = 0; row < rows.Length; row++)
        {
            var (diff, norm) = (read[2 * row], read[(2 * row) + 1]);

            // A zero reference makes any change infinitely large (always computes), as in the core.
            rows[row] = diff == 0 ? 0 : norm == 0 ? double.PositiveInfinity : diff / norm;
        }

        return rows;
    }

    /// <summary>The mean of the finite values; NaN when none is.</summary>
    public static double MeanOfFinite(IReadOnlyList<double> values)
    {
        var finite = values.Where(double.IsFinite).ToArray();
        return finite.Length == 0 ? double.NaN : finite.Average();
    }
}
