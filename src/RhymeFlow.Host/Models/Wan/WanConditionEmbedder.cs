using RhymeFlow.Host.Models.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Wan;

/// <summary>
/// diffusers' <c>WanTimeTextImageEmbedding</c> for text-to-video: the timestep embedding (float32 MLP),
/// its projection to the six per-block modulation vectors (SiLU → <c>time_proj</c>), and the text projection.
/// </summary>
internal sealed class WanConditionEmbedder : nn.Module
{
    private readonly ScalarType dtype;

#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly TimestepEmbedding time_embedder;
    private readonly Linear time_proj;
    private readonly WanTextProjection text_embedder;
#pragma warning restore IDE1006

    public WanConditionEmbedder(WanConfig config, ScalarType dtype, Device device)
        : base(nameof(WanConditionEmbedder))
    {
        this.dtype = dtype;
        var dim = config.InnerDim;
        time_embedder = new TimestepEmbedding(config.FreqDim, dim, device);
        time_proj = nn.Linear(dim, 6 * dim, device: device, dtype: dtype);
        text_embedder = new WanTextProjection(config.TextDim, dim, dtype, device);
        RegisterComponents();
    }

    /// <summary>Projects text-encoder states [B, L, textDim] to [B, L, dim] in the model dtype.</summary>
    public Tensor EmbedText(Tensor encoderHiddenStates) => text_embedder.forward(encoderHiddenStates.to(dtype));

    /// <summary>
    /// Embeds distinct timestep values [U]: returns temb [U, dim] (float32 MLP, then cast to the model dtype as
    /// diffusers does with <c>type_as(encoder_hidden_states)</c>) and the modulation projection [U, 6, dim].
    /// </summary>
    public (Tensor Temb, Tensor Projection) EmbedTime(Tensor timesteps)
    {
        using var scope = NewDisposeScope();
        var temb = time_embedder.forward(timesteps).to(dtype);
        var projection = time_proj.forward(nn.functional.silu(temb)).unflatten(1, [6, -1]);
        return (temb.MoveToOuterDisposeScope(), projection.MoveToOuterDisposeScope());
    }
}
