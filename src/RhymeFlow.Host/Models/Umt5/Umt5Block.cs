using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Umt5;

/// <summary>
/// One encoder block (transformers' <c>UMT5Block</c>): <c>layer.0</c> self-attention, then <c>layer.1</c> feed-forward,
/// each with its residual. In float16 the hidden states are clamped after each sublayer as transformers does.
/// </summary>
internal sealed class Umt5Block : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly ModuleList<nn.Module> layer;
#pragma warning restore IDE1006

    public Umt5Block(Umt5Config config, ScalarType dtype, ScalarType outputDtype, Device device)
        : base(nameof(Umt5Block))
    {
        layer = new ModuleList<nn.Module>(
            new Umt5LayerSelfAttention(config, dtype, device),
            new Umt5LayerFF(config, dtype, outputDtype, device));
        RegisterComponents();
    }

    /// <param name="hidden">Hidden states [B, L, d_model].</param>
    /// <param name="buckets">Relative-position buckets [L, L].</param>
    /// <param name="maskBias">Additive padding bias [B, 1, 1, L].</param>
    public override Tensor forward(Tensor hidden, Tensor buckets, Tensor maskBias)
    {
        using var scope = NewDisposeScope();
        var attended = ClampFloat16(((Umt5LayerSelfAttention)layer[0]).forward(hidden, buckets, maskBias));
        var output = ClampFloat16(((Umt5LayerFF)layer[1]).forward(attended));
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// transformers' float16 guard: clamp to ±(max − 1000) when any value is infinite, else to ±max. Other dtypes pass
    /// through. No host read: the choice is a tensor <c>where</c>.
    /// </summary>
    private static Tensor ClampFloat16(Tensor hidden)
    {
        if (hidden.dtype != ScalarType.Float16)
        {
            return hidden;
        }

        const double max = 65504.0;
        var limit = where(hidden.isinf().any(), tensor(max - 1000, ScalarType.Float16, hidden.device), tensor(max, ScalarType.Float16, hidden.device));
        return hidden.clamp(limit.neg(), limit);
    }
}
