namespace RhymeFlow.Host.BuiltIn;

/// <summary>The size of the built-in prompt encoder.</summary>
/// <param name="Width">Embedding width; the text-embedding dimension the transformer's cross-attention sees.</param>
/// <param name="Layers">Pre-norm transformer encoder layers.</param>
/// <param name="Heads">Attention heads per layer; must divide <paramref name="Width"/>.</param>
/// <param name="FeedForward">Hidden width of each layer's GELU feed-forward.</param>
public sealed record PromptEncoderConfig(int Width = 64, int Layers = 2, int Heads = 4, int FeedForward = 256)
{
    /// <summary>Token rows are this long; see <see cref="WordTokenizer.MaxTokens"/>.</summary>
    public int MaxTokens => WordTokenizer.MaxTokens;

    public int VocabularySize => Vocabulary.Size;

    internal void Validate()
    {
        if (Width <= 0 || Layers <= 0 || Heads <= 0 || FeedForward <= 0)
        {
            throw new ArgumentException($"Every size must be positive, but the config is {this}.");
        }

        if (Width % Heads != 0)
        {
            throw new ArgumentException($"Width {Width} must be a multiple of Heads {Heads}.");
        }
    }
}
