using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Umt5;

/// <summary>
/// The encoder stack (transformers' <c>UMT5Stack</c> with <c>is_decoder = False</c>): the blocks, each with its own
/// relative position bias, then <c>final_layer_norm</c>. The token embedding lives in the parent (<c>shared</c>).
/// </summary>
internal sealed class Umt5Stack : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Umt5Config config;

#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly ModuleList<Umt5Block> block;
    private readonly Umt5LayerNorm final_layer_norm;
#pragma warning restore IDE1006

    public Umt5Stack(Umt5Config config, ScalarType dtype, ScalarType outputDtype, Device device)
        : base(nameof(Umt5Stack))
    {
        this.config = config;
        block = new ModuleList<Umt5Block>([.. Enumerable.Range(0, config.NumLayers).Select(_ => new Umt5Block(config, dtype, outputDtype, device))]);
        final_layer_norm = new Umt5LayerNorm(config.DModel, config.LayerNormEpsilon, dtype, device);
        RegisterComponents();
    }

    /// <param name="embeddings">Token embeddings [B, L, d_model].</param>
    /// <param name="maskBias">Additive padding bias [B, 1, 1, L].</param>
    /// <returns>The last hidden state [B, L, d_model].</returns>
    public override Tensor forward(Tensor embeddings, Tensor maskBias)
    {
        using var scope = NewDisposeScope();
        var length = embeddings.shape[1];
        var buckets = Umt5RelativePosition.Buckets(length, length, config.RelativeAttentionNumBuckets, config.RelativeAttentionMaxDistance, embeddings.device);
        var hidden = embeddings;
        foreach (var layer in block)
        {
            hidden = layer.forward(hidden, buckets, maskBias);
        }

        return final_layer_norm.forward(hidden).MoveToOuterDisposeScope();
    }
}
