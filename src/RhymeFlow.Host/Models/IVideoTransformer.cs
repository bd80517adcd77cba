using RhymeFlow.Core;
using RhymeFlow.Host.Models.Wan;
using RhymeFlow.Host.Sampling;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models;

/// <summary>
/// The seam between the executor and a video transformer family (Wan, HunyuanVideo, CogVideoX): what the executor needs to
/// run a plan on it. A plan "frame" is one temporal token column of the family (see <see cref="FrameLayout"/>);
/// frame indices and per-frame timesteps below are in plan frames.
/// </summary>
/// <remarks>
/// Every forward runs without gradients in its own dispose scope; its result belongs to the caller's scope. Not
/// thread-safe: the executor calls a model from its one compute thread.
/// </remarks>
public interface IVideoTransformer
{
    /// <summary>What the family is, predicts and supports.</summary>
    VideoModelTraits Traits { get; }

    /// <summary>Where the weights and every result live.</summary>
    Device Device { get; }

    /// <summary>The weights' dtype; the executor casts the latents to it.</summary>
    ScalarType DType { get; }

    /// <summary>What one plan frame is for latents of <paramref name="latentHeight"/> × <paramref name="latentWidth"/>.</summary>
    VideoFrameLayout FrameLayout(int latentHeight, int latentWidth);

    /// <summary>The cost model's geometry of a run: <paramref name="rows"/> is the batch of each model call.</summary>
    Geometry CostGeometry(int planFrames, int latentHeight, int latentWidth, int textLength, int rows);

    /// <summary>
    /// The sigma ladder the family's pipeline samples on for <paramref name="steps"/> steps, or null when it is the
    /// core's ladder of the plan (Wan's).
    /// </summary>
    /// <exception cref="NotSupportedException">The family does not sample with <paramref name="solver"/>.</exception>
    SamplingLadder? Ladder(SolverKind solver, double shift, int steps);

    /// <summary>
    /// The conditioning of a run, prepared once: <paramref name="clips"/> rows, or 2 × clips for classifier-free
    /// guidance in one batch (the prompts, then the negative prompts). The caller disposes it.
    /// </summary>
    /// <exception cref="ArgumentException">The prompt lacks what the family needs, or carries what it does not take.</exception>
    IVideoConditioning PrepareConditioning(VideoPrompt prompt, int clips, double guidance);

    /// <summary>The prediction [rows, C, F, H, W] of every frame of <paramref name="latents"/> (model dtype, rows of <paramref name="conditioning"/>).</summary>
    /// <param name="latents">Latents [rows, C, F, H, W] in the model dtype on its device.</param>
    /// <param name="frameTimesteps">The model timestep of each plan frame.</param>
    /// <param name="conditioning">From <see cref="PrepareConditioning"/>.</param>
    /// <param name="reduction">Self-attention replacement; families without <see cref="VideoModelTraits.AttentionReduction"/> reject it.</param>
    /// <param name="stepCache">Block-stack cache; families without <see cref="VideoModelTraits.StepCaching"/> reject it.</param>
    Tensor Forward(Tensor latents, IReadOnlyList<double> frameTimesteps, IVideoConditioning conditioning, ISelfAttentionReduction? reduction, IBlockStackCache? stepCache);

    /// <summary>A full forward that also records the context of <paramref name="contextFrames"/> for <see cref="ForwardActive"/>.</summary>
    /// <param name="latents">Latents [rows, C, F, H, W] in the model dtype on its device.</param>
    /// <param name="frameTimesteps">The model timestep of each plan frame.</param>
    /// <param name="conditioning">From <see cref="PrepareConditioning"/>.</param>
    /// <param name="contextFrames">The plan frames to record (the group's non-keyframes).</param>
    /// <param name="storage">What to record: <see cref="ContextKind.LayerKv"/>, <see cref="ContextKind.LayerHiddenDevice"/> or <see cref="ContextKind.LayerHiddenHost"/>.</param>
    /// <param name="reduction">Self-attention replacement, or null for dense.</param>
    /// <returns>The prediction of every frame, and the context (the caller disposes it).</returns>
    (Tensor Prediction, IVideoFrameContext Context) ForwardRecording(
        Tensor latents, IReadOnlyList<double> frameTimesteps, IVideoConditioning conditioning, IReadOnlyList<int> contextFrames, ContextKind storage, ISelfAttentionReduction? reduction);

    /// <summary>
    /// The prediction of <paramref name="activeFrames"/> only, attending to <paramref name="context"/> for the rest
    /// (null: the active frames attend among themselves).
    /// </summary>
    Tensor ForwardActive(
        Tensor activeLatents, IReadOnlyList<int> activeFrames, IReadOnlyList<double> frameTimesteps, IVideoConditioning conditioning, IVideoFrameContext? context, ISelfAttentionReduction? reduction);
}
