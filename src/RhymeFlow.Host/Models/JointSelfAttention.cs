using static TorchSharp.torch;

namespace RhymeFlow.Host.Models;

/// <summary>
/// A self-attention whose sequence holds text tokens besides the video tokens (HunyuanVideo, CogVideoX), with or
/// without a reduction: the reduction sees the video tokens alone, and every attention it runs adds the text tokens,
/// whole, as queries and as keys/values.
/// </summary>
internal static class JointSelfAttention
{
    /// <summary>The per-head outputs of the video queries [B, H, Lq, D] and of the text queries [B, H, Lt, D].</summary>
    /// <param name="query">Video queries [B, H, Lq, D] after norm and RoPE.</param>
    /// <param name="key">Video keys [B, H, Lk, D] after norm and RoPE, the recorded context's appended.</param>
    /// <param name="value">Video values [B, H, Lk, D].</param>
    /// <param name="site">This block's reduction, or null for the dense attention.</param>
    /// <param name="attend">
    /// The family's dense joint attention of any video queries over any video keys/values: it joins the text tokens
    /// (and applies the text mask) and returns the video queries' and the text queries' outputs, per head.
    /// </param>
    public static (Tensor Video, Tensor Text) Attend(
        Tensor query, Tensor key, Tensor value, SelfAttentionSite? site, Func<Tensor, Tensor, Tensor, (Tensor Video, Tensor Text)> attend)
    {
        if (site is null)
        {
            return attend(query, key, value);
        }

        using var scope = NewDisposeScope();
        Tensor? text = null;
        var video = site.Attend(query, key, value, (q, k, v) =>
        {
            var (videoOut, textOut) = attend(q, k, v);

            // The reduction may attend inside a scope of its own, which would free the text output it never sees.
            // Only a tensor of another scope moves: seen with TorchSharp 0.107, moving one to the scope that already held
            // it left it undisposed, and its finalizer then failed on that disposed scope.
            text = scope.Contains(textOut) ? textOut : textOut.MoveToOtherDisposeScope(scope);
            return videoOut;
        });
        if (text is null)
        {
            throw new InvalidOperationException(
                $"The self-attention reduction {site.Reduction.GetType().Name} of block {site.Layer} returned without attending, so the block's text tokens have no output: a reduction of a joint attention must call attend.");
        }

        return (video.MoveToOuterDisposeScope(), text.MoveToOuterDisposeScope());
    }
}
