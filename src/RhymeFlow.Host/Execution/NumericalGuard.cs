using RhymeFlow.Core;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Execution;

/// <summary>
/// Stops a run at the first NaN or Inf. One device-to-host read of a single flag per check; only on
/// failure is the offending frame located.
/// </summary>
internal static class NumericalGuard
{
    /// <summary>Throws <see cref="NonFiniteLatentsException"/> naming the first frame of <paramref name="frames"/> (the Fc frames of values [B, C, Fc, H, W], in order) that holds a NaN or Inf.</summary>
    public static void Check(string quantity, Tensor values, EvaluationView evaluation, IReadOnlyList<int> frames)
    {
        using var scope = NewDisposeScope();
        var finite = values.isfinite();
        if (finite.all().item<bool>())
        {
            return;
        }

        var perFrame = finite.transpose(0, 2).reshape(values.shape[2], -1).all(1).cpu();
        var bad = Enumerable.Range(0, frames.Count).First(i => !perFrame[i].item<bool>());
        throw new NonFiniteLatentsException(quantity, evaluation.Index, evaluation.Step, frames[bad]);
    }
}
