using RhymeFlow.Host.Models.Layers;
using RhymeFlow.Host.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.HunyuanVideo;

/// <summary>
/// The conditioning vector temb = timestep embedding + pooled-text projection (+ guidance embedding): diffusers'
/// <c>HunyuanVideoConditionEmbedding</c> (<c>time_text_embed</c>, with guidance) and
/// <c>CombinedTimestepTextProjEmbeddings</c> (the token refiner's, without). Float32.
/// </summary>
internal sealed class HunyuanVideoConditionEmbedding : nn.Module
{
#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly TimestepEmbedding timestep_embedder;
    private readonly HunyuanVideoTextProjection text_embedder;
    private readonly TimestepEmbedding? guidance_embedder;
#pragma warning restore IDE1006

    public HunyuanVideoConditionEmbedding(int dim, int pooledDim, bool guidance, Device device)
        : base(nameof(HunyuanVideoConditionEmbedding))
    {
        timestep_embedder = new TimestepEmbedding(HunyuanVideoConfig.FrequencyDim, dim, device);
        text_embedder = new HunyuanVideoTextProjection(pooledDim, dim, device);
        guidance_embedder = guidance ? new TimestepEmbedding(HunyuanVideoConfig.FrequencyDim, dim, device) : null;
        RegisterComponents();
    }

    /// <summary>Whether <see cref="Forward"/> needs a guidance value.</summary>
    public bool EmbedsGuidance => guidance_embedder is not null;

    /// <summary>temb [B, dim] float32 from timesteps [B], pooled text [B, pooledDim] and, when embedded, guidance [B].</summary>
    public Tensor Forward(Tensor timestep, Tensor pooled, Tensor? guidance)
    {
        using var scope = NewDisposeScope();
        var conditioning = timestep_embedder.forward(timestep);
        if (guidance_embedder is not null)
        {
            var scale = guidance ?? throw new ArgumentNullException(nameof(guidance), "this model embeds the guidance scale (guidance_embeds): pass guidance [B], e.g. 6000 for a scale of 6");
            conditioning = conditioning.add(guidance_embedder.forward(scale), Scalars.One);
        }

        return conditioning.add(text_embedder.forward(pooled), Scalars.One).MoveToOuterDisposeScope();
    }
}
