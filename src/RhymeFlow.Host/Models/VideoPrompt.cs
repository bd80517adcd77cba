using static TorchSharp.torch;

namespace RhymeFlow.Host.Models;

/// <summary>The text conditioning of a run as the executor hands it to a family. The caller owns the tensors.</summary>
/// <param name="Embeddings">Text-encoder states [B, L, textDim], or [1, L, textDim] for every clip.</param>
/// <param name="NegativeEmbeddings">Negative-prompt states for classifier-free guidance; null for zeros (Wan) or none (embedded guidance).</param>
/// <param name="AttentionMask">[B or 1, L], 1 for valid tokens (HunyuanVideo); null where the family takes none.</param>
/// <param name="PooledEmbeddings">Pooled text embedding [B or 1, d] (HunyuanVideo's CLIP); null where the family takes none.</param>
public sealed record VideoPrompt(Tensor Embeddings, Tensor? NegativeEmbeddings = null, Tensor? AttentionMask = null, Tensor? PooledEmbeddings = null);
