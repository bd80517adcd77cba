using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Umt5;

/// <summary>
/// A lookup table (<c>torch.nn.Embedding</c> without padding index or norm limits), with its weight allocated
/// directly in the target dtype and device.
/// </summary>
/// <remarks>
/// TorchSharp's <c>nn.Embedding</c> builds its table through libtorch's module, which first allocates and randomly
/// initialises it on the CPU in float32: for umT5-XXL's 256384 × 4096 table that is 4 GB and over ten seconds
/// before the weights are even loaded. This one starts at zeros.
/// </remarks>
internal sealed class Umt5Embedding : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly Parameter weight;
#pragma warning restore IDE1006

    public Umt5Embedding(long count, long dim, ScalarType dtype, Device device)
        : base(nameof(Umt5Embedding))
    {
        weight = new Parameter(zeros(count, dim, dtype: dtype, device: device), requires_grad: false);
        RegisterComponents();
    }

    /// <summary>Rows of the table for int64 indices of any shape: [..., dim].</summary>
    public override Tensor forward(Tensor indices)
    {
        using var scope = NewDisposeScope();
        long[] shape = [.. indices.shape, weight.shape[1]];
        return weight.index_select(0, indices.reshape(-1)).view(shape).MoveToOuterDisposeScope();
    }
}
