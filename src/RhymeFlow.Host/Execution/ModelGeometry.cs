using RhymeFlow.Core;
using RhymeFlow.Host.Models;

namespace RhymeFlow.Host.Execution;

/// <summary>The cost model's view of a run on a given model.</summary>
internal static class ModelGeometry
{
    public static Geometry Of(IVideoTransformer model, DenoiseRequest request)
    {
        var latents = request.InitialNoise;
        var height = (int)latents.shape[3];
        var width = (int)latents.shape[4];
        var layout = model.FrameLayout(height, width);
        return model.CostGeometry(
            (int)latents.shape[2] / layout.LatentFramesPerFrame,
            height,
            width,
            (int)request.PromptEmbeddings.shape[1],
            // The cost model's batch is the rows of each model call: every clip, once per guidance branch.
            request.BatchSize * (model.Traits.Guidance == VideoGuidance.ClassifierFree && request.Guidance != 1 ? 2 : 1));
    }
}
