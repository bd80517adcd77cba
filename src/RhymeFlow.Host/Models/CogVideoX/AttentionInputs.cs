using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.CogVideoX;

/// <summary>What a block's joint attention needs besides its tokens.</summary>
/// <param name="TextLength">Text tokens at the head of the sequence; they are not rotated.</param>
/// <param name="RopeCos">Rotary cos table [N, headDim] float32 for the video tokens of the sequence.</param>
/// <param name="RopeSin">Rotary sin table [N, headDim] float32.</param>
/// <param name="ExtraKeyValue">Recorded keys and values [B, heads, n, headDim] appended to the sequence's own (rotated already), or null.</param>
/// <param name="Record">Receives the keys and values [B, heads, N, headDim] of the sequence's video tokens (rotated), or null.</param>
/// <param name="SelfAttention">Reduces the video tokens of the attention (never the text), or null for dense.</param>
internal sealed record AttentionInputs(
    long TextLength,
    Tensor RopeCos,
    Tensor RopeSin,
    (Tensor Key, Tensor Value)? ExtraKeyValue,
    Action<Tensor, Tensor>? Record,
    SelfAttentionSite? SelfAttention = null);
