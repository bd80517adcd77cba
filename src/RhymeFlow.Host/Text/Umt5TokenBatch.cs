using TorchSharp;

namespace RhymeFlow.Host.Text;

/// <summary>
/// A batch of prompts tokenized for umT5: <see cref="InputIds"/> and <see cref="AttentionMask"/>, both
/// int64 [batch, maxLength] on the CPU. The batch owns both tensors; dispose it (or move the tensors
/// out of it with <see cref="torch.Tensor.MoveToOuterDisposeScope"/> and dispose them yourself).
/// </summary>
public sealed class Umt5TokenBatch : IDisposable
{
    internal Umt5TokenBatch(torch.Tensor inputIds, torch.Tensor attentionMask, IReadOnlyList<int> lengths)
    {
        InputIds = inputIds;
        AttentionMask = attentionMask;
        Lengths = lengths;
    }

    /// <summary>Token ids, int64 [batch, maxLength]: the tokens, then eos (1), then pad (0).</summary>
    public torch.Tensor InputIds { get; }

    /// <summary>int64 [batch, maxLength]: 1 over the tokens and eos, 0 over the padding.</summary>
    public torch.Tensor AttentionMask { get; }

    /// <summary>The number of real tokens (eos included) in each row; the sum of that row of the mask.</summary>
    public IReadOnlyList<int> Lengths { get; }

    /// <summary>Deconstructs into (input_ids, attention_mask).</summary>
    public void Deconstruct(out torch.Tensor inputIds, out torch.Tensor attentionMask)
    {
        inputIds = InputIds;
        attentionMask = AttentionMask;
    }

    /// <summary>Disposes both tensors.</summary>
    public void Dispose()
    {
        InputIds.Dispose();
        AttentionMask.Dispose();
    }
}
