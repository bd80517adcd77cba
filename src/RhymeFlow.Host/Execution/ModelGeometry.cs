using RhymeFlow.Core;
using RhymeFlow.Host.Models.Wan;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Execution;

/// <summary>The cost model's view of a run on a given model.</summary>
internal static class ModelGeometry
{
    public static Geometry Of(WanTransformer model, DenoiseRequest request)
    {
        var config = model.Config;
        var latents = request.InitialNoise;
        return new Geometry(
            config.NumLayers,
            config.InnerDim,
            config.NumAttentionHeads,
            config.FfnDim,
            model.TokensPerFrame((int)latents.shape[3], (int)latents.shape[4]),
            (int)latents.shape[2],
            (int)request.PromptEmbeddings.shape[1],
            // The cost model's batch is the rows of each model call: every clip, once per guidance branch.
            request.BatchSize * (request.Guidance == 1 ? 1 : 2),
            model.DType switch
            {
                ScalarType.Float32 => 4,
                ScalarType.Float64 => 8,
                _ => 2,
            });
    }
}
