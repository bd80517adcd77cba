using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Wan;

/// <summary>
/// Replaces one evaluation's self-attention (attn1) by an approximation that may drop tokens before attending and
/// restore them after; cross-attention is never touched. The model hands over its heads-layout tensors and the dense
/// attention, so implementations need no part of the model.
/// </summary>
public interface ISelfAttentionReduction
{
    /// <summary>The attention output [B, H, Lq, D] of every query, in the order of <paramref name="query"/>.</summary>
    /// <param name="layer">Block index.</param>
    /// <param name="query">Queries [B, H, Lq, D] after norm and RoPE.</param>
    /// <param name="key">Keys [B, H, Lk, D] after norm and RoPE (context keys appended in keyframe-only evaluations).</param>
    /// <param name="value">Values [B, H, Lk, D], paired token by token with <paramref name="key"/>.</param>
    /// <param name="queryTokens">Where each query token sits.</param>
    /// <param name="keyValueTokens">Where each key/value token sits.</param>
    /// <param name="attend">The dense attention (SDPA) of any queries over any keys/values, [B, H, L, D] in and out.</param>
    Tensor Attend(
        int layer,
        Tensor query,
        Tensor key,
        Tensor value,
        WanTokenLayout queryTokens,
        WanTokenLayout keyValueTokens,
        Func<Tensor, Tensor, Tensor, Tensor> attend);
}
