using RhymeFlow.Host.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.BuiltIn;

/// <summary>
/// The built-in model's learned text encoder: token ids [B, 16] to text embeddings [B, 16, 64]
/// (token embedding plus learned positions, pre-norm transformer layers, a final LayerNorm).
/// </summary>
/// <remarks>
/// Padding keys are masked out of attention, and padded positions of the output are zero, as in Wan's
/// zero-padded T5 context. An empty caption is therefore all zeros: the unconditional input for CFG.
/// Key 0 always stays open, so an all-padding row has something to attend to and gives no NaNs.
/// Parameter keys: <c>token_embedding.weight</c>, <c>position_embedding</c>, <c>layers.{i}.norm1|qkv|proj|norm2|ff_in|ff_out.{weight,bias}</c>,
/// <c>norm.{weight,bias}</c>; store them in the model's safetensors under a prefix such as <see cref="CheckpointPrefix"/>.
/// </remarks>
public sealed class PromptEncoder : nn.Module<Tensor, Tensor>
{
    /// <summary>The prefix of these parameters inside the built-in model's checkpoint.</summary>
    public const string CheckpointPrefix = "text_encoder.";

    private static readonly Scalar PadTokenId = Vocabulary.PadId.ToScalar();
    private static readonly Scalar NegativeInfinity = float.NegativeInfinity.ToScalar();

    private readonly Embedding token_embedding;
    private readonly Parameter position_embedding;
    private readonly ModuleList<PromptEncoderLayer> layers;
    private readonly LayerNorm norm;

    public PromptEncoder(PromptEncoderConfig? config = null)
        : base(nameof(PromptEncoder))
    {
        Config = config ?? new PromptEncoderConfig();
        Config.Validate();
        token_embedding = nn.Embedding(Config.VocabularySize, Config.Width);
        // normal(0, 0.02, shape) spelled out (randn · std + mean, the same draws), with the Scalars held.
        using var std = 0.02.ToScalar();
        using var mean = 0.0.ToScalar();
        ReadOnlySpan<long> shape = [Config.MaxTokens, Config.Width];
        position_embedding = nn.Parameter(randn(shape).mul_(std).add_(mean, Scalars.One));
        layers = nn.ModuleList(Enumerable.Range(0, Config.Layers).Select(_ => new PromptEncoderLayer(Config)).ToArray());
        norm = nn.LayerNorm(Config.Width);
        RegisterComponents();
    }

    public PromptEncoderConfig Config { get; }

    /// <summary>Token ids [B, L] (int64, L ≤ 16, on this module's device) to embeddings [B, L, Width].</summary>
    public override Tensor forward(Tensor tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.dim() != 2 || tokens.shape[1] > Config.MaxTokens || tokens.shape[1] == 0 || tokens.dtype != ScalarType.Int64)
        {
            throw new ArgumentException(
                $"Expected int64 token ids [B, 1..{Config.MaxTokens}], but got {tokens.dtype} [{string.Join(", ", tokens.shape)}].", nameof(tokens));
        }

        using var scope = NewDisposeScope();
        var length = tokens.shape[1];
        using var stop = length.ToScalar();
        var real = tokens.ne(PadTokenId);
        var open = real.logical_or(arange(Scalars.Zero, stop, Scalars.One, device: tokens.device).eq(Scalars.Zero).unsqueeze(0));
        var bias = zeros(tokens.shape[0], 1, 1, length, dtype: position_embedding.dtype, device: tokens.device)
            .masked_fill(open.logical_not().reshape(tokens.shape[0], 1, 1, length), NegativeInfinity);

        var x = token_embedding.forward(tokens).add(position_embedding.narrow(0, 0, length).unsqueeze(0), Scalars.One);
        foreach (var layer in layers)
        {
            x = layer.forward(x, bias);
        }

        return (norm.forward(x) * real.unsqueeze(-1).to(x.dtype)).MoveToOuterDisposeScope();
    }

    /// <summary>Tokenizes and encodes captions on this module's device: [B, 16, Width].</summary>
    public Tensor Encode(IReadOnlyList<string> captions)
    {
        using var scope = NewDisposeScope();
        var device = position_embedding.device;
        return forward(WordTokenizer.EncodeBatch(captions).to(device)).MoveToOuterDisposeScope();
    }
}
