using static TorchSharp.torch;

namespace RhymeFlow.Host.Models;

/// <summary>One block's self-attention within an evaluation that reduces it: the reduction, the layer and where the tokens sit.</summary>
internal sealed record SelfAttentionSite(ISelfAttentionReduction Reduction, int Layer, VideoTokenLayout Queries, VideoTokenLayout KeyValues)
{
    public Tensor Attend(Tensor query, Tensor key, Tensor value, Func<Tensor, Tensor, Tensor, Tensor> attend) =>
        Reduction.Attend(Layer, query, key, value, Queries, KeyValues, attend);
}
