using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Wan;

/// <summary>
/// Projects text-encoder states into the model width: linear_1 → GELU (tanh) → linear_2,
/// diffusers' <c>PixArtAlphaTextProjection</c> with act_fn "gelu_tanh".
/// </summary>
internal sealed class WanTextProjection : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly Linear linear_1;
    private readonly Linear linear_2;
#pragma warning restore IDE1006

    public WanTextProjection(int textDim, int dim, ScalarType dtype, Device device)
        : base(nameof(WanTextProjection))
    {
        linear_1 = nn.Linear(textDim, dim, device: device, dtype: dtype);
        linear_2 = nn.Linear(dim, dim, device: device, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor text)
    {
        using var scope = NewDisposeScope();
        var hidden = nn.functional.gelu(linear_1.forward(text), GELU.Approximate.tanh);
        return linear_2.forward(hidden).MoveToOuterDisposeScope();
    }
}
