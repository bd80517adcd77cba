using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.CogVideoX;

/// <summary>
/// The CogVideoX-1.5 pipeline's handling of a latent frame count that is not a multiple of <c>patch_size_t</c>: it
/// makes the initial noise that many frames longer, denoises them all, and drops the leading extra frames before
/// decoding (<c>latents[:, additional_frames:]</c>).
/// </summary>
public static class CogVideoXLatentFrames
{
    /// <summary>Latent frames of a video of <paramref name="videoFrames"/> frames: (n − 1) / ratio + 1.</summary>
    public static int FromVideoFrames(int videoFrames, int temporalCompressionRatio) => ((videoFrames - 1) / temporalCompressionRatio) + 1;

    /// <summary>Frames the pipeline adds so that <paramref name="latentFrames"/> becomes a multiple of <paramref name="patchSizeT"/>.</summary>
    public static int Padding(int latentFrames, int patchSizeT)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(latentFrames);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(patchSizeT);
        return latentFrames % patchSizeT == 0 ? 0 : patchSizeT - (latentFrames % patchSizeT);
    }

    /// <summary>The padded latent frame count the transformer runs on.</summary>
    public static int Padded(int latentFrames, int patchSizeT) => latentFrames + Padding(latentFrames, patchSizeT);

    /// <summary>Drops the leading <paramref name="padding"/> frames of latents [B, F, C, H, W] (a view).</summary>
    public static Tensor DropPadding(Tensor latents, int padding)
    {
        ArgumentNullException.ThrowIfNull(latents);
        return latents.narrow(1, padding, latents.shape[1] - padding);
    }
}
