using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.HunyuanVideo;

/// <summary>
/// The joint attention of the dual- and single-stream blocks once q/k/v exist: RoPE on the video tokens, then one SDPA
/// whose queries are [video; text] and whose keys/values are [video; extra video; text] under the text mask.
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
    /// <param name="inputs">Rotary table, mask, extra keys/values and the key/value hook of this layer.</param>
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

        Tensor[] keys = inputs.ExtraKey is null ? [videoKey, text.Key.transpose(1, 2)] : [videoKey, inputs.ExtraKey, text.Key.transpose(1, 2)];
        Tensor[] values = inputs.ExtraValue is null ? [videoValue, text.Value.transpose(1, 2)] : [videoValue, inputs.ExtraValue, text.Value.transpose(1, 2)];
        var query = cat([videoQuery, text.Query.transpose(1, 2)], 2);
        var attended = HunyuanVideoAttention.Attend(query, cat(keys, 2), cat(values, 2), inputs.KeyMask);
        var videoTokens = video.Query.shape[1];
        var textTokens = text.Query.shape[1];
        return (attended.narrow(1, 0, videoTokens).MoveToOuterDisposeScope(), attended.narrow(1, videoTokens, textTokens).MoveToOuterDisposeScope());
    }
}
