namespace RhymeFlow.Host.Models;

/// <summary>What a video transformer family is, predicts and supports, as the executor checks it.</summary>
/// <param name="Family">The family's name, as errors name it ("Wan", "HunyuanVideo").</param>
/// <param name="Prediction">What the model predicts.</param>
/// <param name="Guidance">How it is guided.</param>
/// <param name="LatentChannels">Latent channels C of [B, C, F, H, W].</param>
/// <param name="TextDim">Width of the text-encoder states it takes.</param>
/// <param name="BlockCount">Blocks with self-attention (the layers a reduction schedule and a step cache address).</param>
/// <param name="StepCaching">Whether it takes a block-stack cache (TeaCache, first-block cache).</param>
/// <param name="AttentionReduction">Whether it takes a self-attention replacement (AsymRnR, the redundancy profiler).</param>
public sealed record VideoModelTraits(
    string Family,
    VideoPrediction Prediction,
    VideoGuidance Guidance,
    int LatentChannels,
    int TextDim,
    int BlockCount,
    bool StepCaching,
    bool AttentionReduction);
