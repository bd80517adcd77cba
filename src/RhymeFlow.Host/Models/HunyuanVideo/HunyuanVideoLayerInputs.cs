using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.HunyuanVideo;

/// <summary>
/// What a dual- or single-stream block needs besides its hidden states, for one layer of one evaluation.
/// </summary>
/// <param name="Temb">Conditioning vector [B, dim] float32.</param>
/// <param name="Rope">Rotary table of the computed video tokens (see <see cref="HunyuanVideoRotaryEmbedding.Table"/>).</param>
/// <param name="KeyMask">Boolean [B, 1, 1, Lk] over the keys in order [video; extra; text]: true to attend.</param>
/// <param name="ExtraKey">Keys [B, H, Lc, D] of video tokens not computed here (recorded non-keyframes), or null.</param>
/// <param name="ExtraValue">Values matching <paramref name="ExtraKey"/>.</param>
/// <param name="VideoKeyValue">
/// Sees the computed video tokens' keys and values [B, H, Lv, D] (after qk-norm and RoPE) before attention and returns
/// the ones to attend to: a recorder returns its inputs, a test reference may substitute rows. Null: unchanged.
/// </param>
/// <param name="SelfAttention">
/// Reduces the video tokens of the joint attention (AsymRnR, the redundancy profiler), after the hook has seen them;
/// null: dense.
/// </param>
internal sealed record HunyuanVideoLayerInputs(
    Tensor Temb,
    Tensor Rope,
    Tensor KeyMask,
    Tensor? ExtraKey = null,
    Tensor? ExtraValue = null,
    Func<Tensor, Tensor, (Tensor Key, Tensor Value)>? VideoKeyValue = null,
    SelfAttentionSite? SelfAttention = null);
