using RhymeFlow.Core;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Execution;

/// <summary>
/// Stops a run at the first NaN or Inf. An evaluation reads one flag back from the device for all
/// it checks; only on failure is the offending quantity and frame located.
/// </summary>
internal static class NumericalGuard
{
    /// <summary>One checked quantity: values [B, C, Fc, H, W] whose Fc frames are <paramref name="Frames"/>, in order.</summary>
    public readonly record struct Checked(string Quantity, Tensor Values, IReadOnlyList<int> Frames);

    /// <summary>Throws <see cref="NonFiniteLatentsException"/> naming the first quantity and frame that holds a NaN or Inf.</summary>
    public static void Check(EvaluationView evaluation, IReadOnlyList<Checked> quantities)
    {
        using var scope = NewDisposeScope();
        var allFinite = quantities.Select(q => q.Values.isfinite().all()).Aggregate((a, b) => a.logical_and(b));
        if (allFinite.item<bool>())
        {
            return;
        }

        foreach (var (quantity, values, frames) in quantities)
        {
            var perFrame = values.isfinite().transpose(0, 2).reshape(values.shape[2], -1).all(1).cpu();
            for (var i = 0; i < frames.Count; i++)
            {
                if (!perFrame[i].item<bool>())
                {
                    throw new NonFiniteLatentsException(quantity, evaluation.Index, evaluation.Step, frames[i]);
                }
            }
        }
    }
}
