using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.HunyuanVideo;

/// <summary>
/// diffusers' <c>HunyuanVideoTokenRefiner</c> (<c>context_embedder</c>): projects the text-encoder states to the model
/// width and refines them with self-attention over the valid tokens, conditioned on the timestep and the masked mean
/// of the text. Runs at every evaluation: its conditioning depends on the timestep.
/// </summary>
internal sealed class HunyuanVideoTokenRefiner : nn.Module
{
    private readonly ScalarType dtype;

#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly HunyuanVideoConditionEmbedding time_text_embed;
    private readonly Linear proj_in;
    private readonly HunyuanVideoIndividualTokenRefiner token_refiner;
#pragma warning restore IDE1006

    public HunyuanVideoTokenRefiner(HunyuanVideoConfig config, ScalarType dtype, Device device)
        : base(nameof(HunyuanVideoTokenRefiner))
    {
        this.dtype = dtype;
        time_text_embed = new HunyuanVideoConditionEmbedding(config.InnerDim, config.TextEmbedDim, guidance: false, device);
        proj_in = nn.Linear(config.TextEmbedDim, config.InnerDim, device: device, dtype: dtype);
        token_refiner = new HunyuanVideoIndividualTokenRefiner(config, dtype, device);
        RegisterComponents();
    }

    /// <summary>Text [B, L, textDim] with mask [B, L] (1 valid, 0 padding) at timesteps [B] → refined text [B, L, dim].</summary>
    public Tensor Forward(Tensor text, Tensor timestep, Tensor textMask)
    {
        using var scope = NewDisposeScope();
        var weights = textMask.to(ScalarType.Float32).unsqueeze(-1);
        var pooled = text.to(ScalarType.Float32).mul(weights).sum(1).div(weights.sum(1));
        var temb = time_text_embed.Forward(timestep, pooled, guidance: null);
        var hidden = proj_in.forward(text.to(dtype));
        return token_refiner.Forward(hidden, temb, textMask).MoveToOuterDisposeScope();
    }
}
