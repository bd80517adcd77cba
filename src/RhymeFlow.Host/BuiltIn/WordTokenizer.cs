using static TorchSharp.torch;

namespace RhymeFlow.Host.BuiltIn;

/// <summary>Turns captions into fixed-length rows of <see cref="Vocabulary"/> ids, padded with <see cref="Vocabulary.PadId"/>.</summary>
/// <remarks>
/// Words are split on white space, lower-cased, and stripped of surrounding punctuation (.,!?;:). An empty or
/// white-space caption gives a row of padding only: the unconditional input for classifier-free guidance.
/// </remarks>
public static class WordTokenizer
{
    public const int MaxTokens = 16;

    private static readonly char[] Punctuation = ['.', ',', '!', '?', ';', ':'];

    /// <summary>The ids of <paramref name="caption"/>, padded to <see cref="MaxTokens"/>.</summary>
    /// <exception cref="ArgumentException">A word is not in the vocabulary (the message lists it), or there are more than 16 words.</exception>
    public static int[] Encode(string caption)
    {
        ArgumentNullException.ThrowIfNull(caption);
        var words = caption.ToLowerInvariant()
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.Trim(Punctuation))
            .Where(w => w.Length > 0)
            .ToArray();
        if (words.Length > MaxTokens)
        {
            throw new ArgumentException($"Caption '{caption}' has {words.Length} words; at most {MaxTokens} fit.", nameof(caption));
        }

        var ids = new int[MaxTokens];
        for (var i = 0; i < words.Length; i++)
        {
            if (!Vocabulary.TryGetId(words[i], out ids[i]))
            {
                throw new ArgumentException(
                    $"Caption '{caption}' has the word '{words[i]}', which is not in the vocabulary: {string.Join(", ", Vocabulary.Words.Skip(1))}.",
                    nameof(caption));
            }
        }

        return ids;
    }

    /// <summary>Token ids [B, 16] as an int64 CPU tensor.</summary>
    public static Tensor EncodeBatch(IReadOnlyList<string> captions)
    {
        ArgumentNullException.ThrowIfNull(captions);
        if (captions.Count == 0)
        {
            throw new ArgumentException("Expected at least one caption, but the list is empty.", nameof(captions));
        }

        var ids = new long[captions.Count * MaxTokens];
        for (var b = 0; b < captions.Count; b++)
        {
            var row = Encode(captions[b] ?? throw new ArgumentException($"captions[{b}] is null.", nameof(captions)));
            for (var i = 0; i < MaxTokens; i++)
            {
                ids[(b * MaxTokens) + i] = row[i];
            }
        }

        return tensor(ids, [captions.Count, MaxTokens], ScalarType.Int64);
    }
}
