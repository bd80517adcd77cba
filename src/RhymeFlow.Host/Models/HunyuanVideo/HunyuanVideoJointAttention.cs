using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.HunyuanVideo;

/// <summary>
/// The joint attention of the dual- and single-stream blocks once q/k/v exist: RoPE on the video tokens, then one SDPA
/// whose queries are [video; text] and whose keys/values are [video; extra video; text] under the text mask. A
/// self-attention reduction, when the layer has one, reduces the video tokens (extra ones included) and never the text.
/// </summary>
/// <remarks>
/// diffusers orders both as [video; text]; the extra (recorded) video keys sit between, which changes nothing since
/// attention does not depend on the order of its keys. Padded text tokens are masked as keys only: as queries they
/// still run, and their rows never reach a valid token.
/// </remarks>
internal static class HunyuanVideoJointAttention
{
    /// <summary>Attention outputs [B, Lv, dim] (video) and [B, Lt, dim] (text), heads merged, before any output projection.</summary>
    /// <param name="video">Video queries, keys and values [B, Lv, H, D] (qk-normed, not yet rotated).</param>
    /// <param name="text">Text queries, keys and values [B, Lt, H, D] (qk-normed).</param>
    /// <param name="inputs">Rotary table, mask, extra keys/values, the key/value hook and the reduction of this layer.</param>
    public static (Tensor Video, Tensor Text) Attend(
        (Tensor Query, Tensor Key, Tensor Value) video,
        (Tensor Query, Tensor Key, Tensor Value) text,
        HunyuanVideoLayerInputs inputs)
    {
        using var scope = NewDisposeScope();
        var videoQuery = HunyuanVideoRotaryEmbedding.Apply(video.Query, inputs.Rope).transpose(1, 2);
        var videoKey = HunyuanVideoRotaryEmbedding.Apply(video.Key, inputs.Rope).transpose(1, 2);
        var videoValue = video.Value.transpose(1, 2);
        if (inputs.VideoKeyValue is { } hook)
        {
            (videoKey, videoValue) = hook(videoKey, videoValue);
        }

        if (inputs.ExtraKey is not null && inputs.ExtraValue is not null)
        {
            videoKey = cat([videoKey, inputs.ExtraKey], 2);
            videoValue = cat([videoValue, inputs.ExtraValue], 2);
        }

        var (textQuery, textKey, textValue) = (text.Query.transpose(1, 2), text.Key.transpose(1, 2), text.Value.transpose(1, 2));
        var textTokens = textQuery.shape[2];
        var videoKeys = inputs.KeyMask.shape[3] - textTokens;
        var (videoAttention, textAttention) = JointSelfAttention.Attend(videoQuery, videoKey, videoValue, inputs.SelfAttention, (q, k, v) =>
        {
            // Every video key attends; a reduction that dropped some leaves the text part of the mask as it is.
            var mask = k.shape[2] == videoKeys ? inputs.KeyMask : KeyMask(k.shape[2], inputs.KeyMask.narrow(3, videoKeys, textTokens));
            var attended = HunyuanVideoAttention.AttendHeads(cat([q, textQuery], 2), cat([k, textKey], 2), cat([v, textValue], 2), mask);
            return (attended.narrow(2, 0, q.shape[2]), attended.narrow(2, q.shape[2], textTokens));
        });
        return (HunyuanVideoAttention.MergeHeads(videoAttention).MoveToOuterDisposeScope(), HunyuanVideoAttention.MergeHeads(textAttention).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Video keys and values [B, Lv, H, D] (qk-normed) as <see cref="Attend"/> uses them: keys rotated by
    /// <paramref name="rope"/>, both [B, H, Lv, D]; they leave the caller's scope.
    /// </summary>
    public static (Tensor Key, Tensor Value) RotatedKeyValue((Tensor Key, Tensor Value) video, Tensor rope) =>
        (HunyuanVideoRotaryEmbedding.Apply(video.Key, rope).transpose(1, 2).MoveToOuterDisposeScope(), video.Value.transpose(1, 2).MoveToOuterDisposeScope());

    /// <summary>[B, 1, 1, videoKeys + Lt]: every video key, then the text keys' mask [B, 1, 1, Lt].</summary>
    private static Tensor KeyMask(long videoKeys, Tensor textMask) =>
        cat([ones([textMask.shape[0], 1, 1, videoKeys], ScalarType.Bool, textMask.device), textMask], 3);
}
