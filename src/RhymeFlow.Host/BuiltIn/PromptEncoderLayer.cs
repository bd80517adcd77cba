using RhymeFlow.Host.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.BuiltIn;

/// <summary>One pre-norm transformer encoder layer: x + attn(norm1(x)), then x + ff(norm2(x)).</summary>
internal sealed class PromptEncoderLayer : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly int _heads;
    private readonly LayerNorm norm1;
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly LayerNorm norm2;
    private readonly Linear ff_in;
    private readonly Linear ff_out;

    public PromptEncoderLayer(PromptEncoderConfig config)
        : base(nameof(PromptEncoderLayer))
    {
        _heads = config.Heads;
        norm1 = nn.LayerNorm(config.Width);
        qkv = nn.Linear(config.Width, 3 * config.Width);
        proj = nn.Linear(config.Width, config.Width);
        norm2 = nn.LayerNorm(config.Width);
        ff_in = nn.Linear(config.Width, config.FeedForward);
        ff_out = nn.Linear(config.FeedForward, config.Width);
        RegisterComponents();
    }

    /// <param name="x">[B, L, D].</param>
    /// <param name="attentionBias">[B, 1, 1, L]: 0 for keys to attend to, -inf for padding.</param>
    public override Tensor forward(Tensor x, Tensor attentionBias)
    {
        using var scope = NewDisposeScope();
        var (b, l, d) = (x.shape[0], x.shape[1], x.shape[2]);
        var heads = qkv.forward(norm1.forward(x))
            .reshape(b, l, 3, _heads, d / _heads)
            .permute(2, 0, 3, 1, 4);
        var attended = nn.functional.scaled_dot_product_attention(heads[0], heads[1], heads[2], attentionBias)
            .transpose(1, 2)
            .reshape(b, l, d);
        x = x.add(proj.forward(attended), Scalars.One);
        x = x.add(ff_out.forward(nn.functional.gelu(ff_in.forward(norm2.forward(x)))), Scalars.One);
        return x.MoveToOuterDisposeScope();
    }
}
