using System.Diagnostics.CodeAnalysis;
using TorchSharp;

namespace RhymeFlow.Host.Text;

/// <summary>
/// umT5's text front end, as transformers' T5 tokenizer frames prompts for Wan: the SentencePiece ids,
/// truncated to <c>maxLength - 1</c>, then eos; padded with pad to <c>maxLength</c>, with an attention
/// mask of 1 over the tokens and eos. Immutable and safe to share between threads.
/// </summary>
public sealed class Umt5TextTokenizer
{
    /// <summary>The sequence length Wan 2.1 encodes prompts to.</summary>
    public const int DefaultMaxLength = 512;

    /// <summary>Wraps a SentencePiece tokenizer whose model has eos and pad ids (umT5: 1 and 0).</summary>
    /// <exception cref="ArgumentException">The model lacks an eos or a pad id.</exception>
    public Umt5TextTokenizer(SentencePieceTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (FramingProblem(tokenizer) is { } problem)
        {
            throw new ArgumentException(problem, nameof(tokenizer));
        }

        Tokenizer = tokenizer;
    }

    /// <summary>
    /// Wraps <paramref name="tokenizer"/> where umT5's framing applies to its model. A general SentencePiece model
    /// (e.g. one with eos but no pad id) still tokenizes; only the umT5 framing is missing.
    /// </summary>
    /// <param name="tokenizer">The tokenizer to wrap.</param>
    /// <param name="umt5">The wrapper, when the model has both ids.</param>
    /// <param name="problem">Otherwise why not, naming the model and its ids.</param>
    /// <returns>Whether the framing applies.</returns>
    public static bool TryCreate(
        SentencePieceTokenizer tokenizer,
        [NotNullWhen(true)] out Umt5TextTokenizer? umt5,
        [NotNullWhen(false)] out string? problem)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        problem = FramingProblem(tokenizer);
        umt5 = problem is null ? new Umt5TextTokenizer(tokenizer) : null;
        return umt5 is not null;
    }

    private static string? FramingProblem(SentencePieceTokenizer tokenizer) =>
        tokenizer.EosId < 0 || tokenizer.PadId < 0
            ? $"SentencePiece model '{tokenizer.Model.Source}' has eos id {tokenizer.EosId} and pad id {tokenizer.PadId}; umT5 needs both."
            : null;

    /// <summary>Loads a <c>spiece.model</c> and wraps it.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="SentencePieceModelException">The file is not a valid unigram SentencePiece model.</exception>
    public static Umt5TextTokenizer Load(string path) => new(SentencePieceTokenizer.Load(path));

    /// <summary>The underlying SentencePiece tokenizer.</summary>
    public SentencePieceTokenizer Tokenizer { get; }

    /// <summary>The ids of one prompt: its tokens truncated to <paramref name="maxLength"/> - 1, then eos; unpadded.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLength"/> is below 1.</exception>
    public IReadOnlyList<int> EncodeIds(string text, int maxLength = DefaultMaxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        var ids = Tokenizer.Encode(text);
        var kept = Math.Min(ids.Count, maxLength - 1);
        var framed = new int[kept + 1];
        for (var i = 0; i < kept; i++)
        {
            framed[i] = ids[i];
        }

        framed[kept] = Tokenizer.EosId;
        return framed;
    }

    /// <summary>
    /// Tokenizes a batch of prompts into int64 <c>input_ids</c> and <c>attention_mask</c> tensors of shape
    /// [texts.Count, maxLength] on the CPU.
    /// </summary>
    /// <exception cref="ArgumentException">The batch is empty or holds a null text.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLength"/> is below 1.</exception>
    public Umt5TokenBatch EncodeBatch(IReadOnlyList<string> texts, int maxLength = DefaultMaxLength)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        if (texts.Count == 0)
        {
            throw new ArgumentException("The batch holds no texts.", nameof(texts));
        }

        var ids = new long[texts.Count * maxLength];
        var mask = new long[texts.Count * maxLength];
        var lengths = new int[texts.Count];
        for (var row = 0; row < texts.Count; row++)
        {
            var text = texts[row] ?? throw new ArgumentException($"Text {row} of the batch is null.", nameof(texts));
            var framed = EncodeIds(text, maxLength);
            lengths[row] = framed.Count;
            var offset = row * maxLength;
            for (var i = 0; i < maxLength; i++)
            {
                var real = i < framed.Count;
                ids[offset + i] = real ? framed[i] : Tokenizer.PadId;
                mask[offset + i] = real ? 1 : 0;
            }
        }

        long[] shape = [texts.Count, maxLength];
        var inputIds = torch.tensor(ids, shape, torch.int64);
        try
        {
            var attentionMask = torch.tensor(mask, shape, torch.int64);
            return new Umt5TokenBatch(inputIds, attentionMask, lengths);
        }
        catch
        {
            inputIds.Dispose();
            throw;
        }
    }
}
