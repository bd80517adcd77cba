using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.HunyuanVideo;

/// <summary>
/// The text conditioning of one HunyuanVideo evaluation, as its pipeline hands it to the transformer. The caller owns
/// the tensors.
/// </summary>
/// <param name="EncoderHiddenStates">Text-encoder states [B, L, text_embed_dim] (Llama hidden states in the full model).</param>
/// <param name="AttentionMask">[B, L], 1 for a valid token and 0 for padding; the valid tokens form a prefix, as tokenizer padding gives.</param>
/// <param name="PooledProjections">Pooled text embedding [B, pooled_projection_dim] (CLIP's in the full model).</param>
public sealed record HunyuanVideoPrompt(Tensor EncoderHiddenStates, Tensor AttentionMask, Tensor PooledProjections);
