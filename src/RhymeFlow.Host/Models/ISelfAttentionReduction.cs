using static TorchSharp.torch;

namespace RhymeFlow.Host.Models;

/// <summary>
/// Replaces one evaluation's self-attention over the video tokens by an approximation that may drop tokens before
/// attending and restore them after. The model hands over its heads-layout tensors and the dense attention, so
/// implementations need no part of the model; the same seam serves every family.
/// </summary>
/// <remarks>
/// Only video tokens pass through it. Cross-attention (Wan) is never touched, and in families whose self-attention
/// also holds the text tokens (HunyuanVideo, CogVideoX) the dense attention handed to <see cref="Attend"/> adds them, as queries and as
/// keys/values, to whatever video tokens it is given, under the text mask where the family has one: text tokens are
/// never reduced. Such families keep the text tokens' output of the last call to <c>attend</c>, so an implementation
/// must call it at least once per <see cref="Attend"/>.
/// </remarks>
public interface ISelfAttentionReduction
{
    /// <summary>The attention output [B, H, Lq, D] of every video query, in the order of <paramref name="query"/>.</summary>
    /// <param name="layer">Block index (a family's blocks with self-attention, in order).</param>
    /// <param name="query">Video queries [B, H, Lq, D] after norm and RoPE.</param>
    /// <param name="key">Video keys [B, H, Lk, D] after norm and RoPE (context keys appended in keyframe-only evaluations).</param>
    /// <param name="value">Video values [B, H, Lk, D], paired token by token with <paramref name="key"/>.</param>
    /// <param name="queryTokens">Where each query token sits.</param>
    /// <param name="keyValueTokens">Where each key/value token sits.</param>
    /// <param name="attend">
    /// The dense attention (SDPA) of any video queries over any video keys/values, [B, H, L, D] in and out, joined by
    /// the text tokens where the family attends over them.
    /// </param>
    Tensor Attend(
        int layer,
        Tensor query,
        Tensor key,
        Tensor value,
        VideoTokenLayout queryTokens,
        VideoTokenLayout keyValueTokens,
        Func<Tensor, Tensor, Tensor, Tensor> attend);
}
