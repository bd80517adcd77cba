using RhymeFlow.Host.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Umt5;

/// <summary>
/// Wan 2.1's prompt handling between the text encoder and the transformer: each row keeps its first
/// <c>mask.sum()</c> tokens and everything after them becomes zeros, over a fixed length (512 in Wan). This is the
/// diffusers pipeline's <c>[u[:v] for u, v in zip(prompt_embeds, seq_lens)]</c> followed by zero-padding to
/// <c>max_sequence_length</c>.
/// </summary>
public static class WanPromptEmbeddings
{
    /// <summary>Wan's <c>max_sequence_length</c>.</summary>
    public const int DefaultLength = 512;

    /// <summary>Trims each row to its true length and zero-pads to <paramref name="length"/> tokens.</summary>
    /// <param name="hidden">Encoder output [B, L, D].</param>
    /// <param name="mask">Attention mask [B, L] (any numeric or bool type); a row's true length is its count of nonzero
    /// entries, which (as in Wan) must be its leading tokens.</param>
    /// <param name="length">Tokens per row in the result.</param>
    /// <returns>[B, length, D] in the dtype and on the device of <paramref name="hidden"/>; the caller owns it.</returns>
    /// <remarks>No host read when L ≤ <paramref name="length"/>; otherwise the longest true length is read back to check
    /// that it fits.</remarks>
    /// <exception cref="ArgumentException">Shapes disagree, or a row's true length exceeds <paramref name="length"/>.</exception>
    public static Tensor Prepare(Tensor hidden, Tensor mask, int length = DefaultLength)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(mask);
        if (hidden.ndim != 3 || mask.ndim != 2 || mask.shape[0] != hidden.shape[0] || mask.shape[1] != hidden.shape[1])
        {
            throw new ArgumentException($"expected hidden [B, L, D] and mask [B, L], got [{string.Join(", ", hidden.shape)}] and [{string.Join(", ", mask.shape)}]");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);

        using var scope = NewDisposeScope();
        var seqLens = mask.to(hidden.device).ne(Scalars.Zero).sum(1, type: ScalarType.Int64);
        var tokens = hidden.shape[1];
        Tensor window;
        if (tokens > length)
        {
            var longest = seqLens.max().item<long>();
            if (longest > length)
            {
                throw new ArgumentException($"a prompt has {longest} tokens, more than the {length} kept", nameof(mask));
            }

            window = hidden.narrow(1, 0, length);
        }
        else
        {
            window = nn.functional.pad(hidden, [0, 0, 0, length - tokens]);
        }

        using var stop = length.ToScalar();
        var keep = arange(Scalars.Zero, stop, Scalars.One, ScalarType.Int64, hidden.device).unsqueeze(0).lt(seqLens.unsqueeze(1));
        return window.masked_fill(keep.logical_not().unsqueeze(-1), Scalars.Zero).MoveToOuterDisposeScope();
    }
}
