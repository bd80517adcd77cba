using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.WanVae;

/// <summary>
/// diffusers' <c>WanCausalConv3d</c>: a 3-D convolution that pads time on the left only (2 × the temporal padding), so
/// an output frame sees only its own and earlier input frames. Frames cached from the previous chunk stand in for
/// as much of that left padding as they cover; height and width are padded symmetrically.
/// </summary>
internal sealed class WanCausalConv3d : nn.Module<Tensor, Tensor?, Tensor>
{
    private readonly long[] stride;
    private readonly long[] spatialPadding;

#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly Parameter weight;
    private readonly Parameter bias;
#pragma warning restore IDE1006

    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="kernel">Kernel (time, height, width).</param>
    /// <param name="padding">Padding (time, height, width) as given to diffusers; time becomes 2 × padding on the left.</param>
    /// <param name="stride">Stride (time, height, width).</param>
    /// <param name="dtype">Weight dtype.</param>
    /// <param name="device">Weight device.</param>
    public WanCausalConv3d(
        long inChannels, long outChannels, (long T, long H, long W) kernel, (long T, long H, long W) padding, (long T, long H, long W) stride, ScalarType dtype, Device device)
        : base(nameof(WanCausalConv3d))
    {
        LeftPadding = 2 * padding.T;
        spatialPadding = [0, padding.H, padding.W];
        this.stride = [stride.T, stride.H, stride.W];
        weight = new Parameter(zeros([outChannels, inChannels, kernel.T, kernel.H, kernel.W], dtype: dtype, device: device), requires_grad: false);
        bias = new Parameter(zeros(outChannels, dtype: dtype, device: device), requires_grad: false);
        RegisterComponents();
    }

    /// <summary>Frames of left (past) padding in time.</summary>
    public long LeftPadding { get; }

    /// <summary>A cube kernel of size <paramref name="k"/> with padding <paramref name="p"/> on every axis, stride 1.</summary>
    public static WanCausalConv3d Cube(long inChannels, long outChannels, long k, long p, ScalarType dtype, Device device) =>
        new(inChannels, outChannels, (k, k, k), (p, p, p), (1, 1, 1), dtype, device);

    /// <summary>Convolves [B, Cin, T, H, W] after <paramref name="cached"/> frames (or zeros where they run out).</summary>
    /// <param name="input">The chunk.</param>
    /// <param name="cached">Frames cached from the previous chunk, or null; ignored when the kernel needs no past frames.</param>
    public override Tensor forward(Tensor input, Tensor? cached)
    {
        using var scope = NewDisposeScope();
        var x = input;
        var left = LeftPadding;
        if (cached is not null && left > 0)
        {
            x = cat([cached.to(x.device), x], 2);
            left -= cached.shape[2];
        }

        if (left > 0)
        {
            // Zero frames on the left of time only; height and width are padded by the convolution itself.
            x = nn.functional.pad(x, [0, 0, 0, 0, left, 0]);
        }

        return nn.functional.conv3d(x, weight, bias, stride, spatialPadding).MoveToOuterDisposeScope();
    }
}
