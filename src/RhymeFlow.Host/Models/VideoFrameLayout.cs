namespace RhymeFlow.Host.Models;

/// <summary>What one plan frame is in a family's token layout.</summary>
/// <param name="LatentFramesPerFrame">Latent frames per temporal token (the temporal patch: 1 for Wan and HunyuanVideo, 2 for CogVideoX-1.5).</param>
/// <param name="TokensPerFrame">Video tokens per plan frame.</param>
public sealed record VideoFrameLayout(int LatentFramesPerFrame, int TokensPerFrame);
