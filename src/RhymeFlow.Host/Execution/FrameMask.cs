using static TorchSharp.torch;

namespace RhymeFlow.Host.Execution;

/// <summary>Per-frame weights and index lists as small device tensors that broadcast over [B, C, F, H, W].</summary>
internal static class FrameMask
{
    public static Tensor Weights(IReadOnlyList<double> perFrame, Device device) =>
        tensor(perFrame.Select(w => (float)w).ToArray(), ScalarType.Float32, device).view(1, 1, perFrame.Count, 1, 1);

    public static Tensor Select(IReadOnlyList<bool> perFrame, Device device) =>
        tensor(perFrame.ToArray(), ScalarType.Bool, device).view(1, 1, perFrame.Count, 1, 1);

    public static Tensor Indices(IReadOnlyList<int> frames, Device device) =>
        tensor(frames.Select(f => (long)f).ToArray(), ScalarType.Int64, device);
}
