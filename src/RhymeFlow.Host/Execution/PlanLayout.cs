using static TorchSharp.torch;

namespace RhymeFlow.Host.Execution;

/// <summary>
/// The executor's two views of the same latents: the model's [B, C, F, H, W] of latent frames, and the plan's
/// [B, C, F / pt, pt · H, W], where each plan frame (a temporal token of pt latent frames, as CogVideoX-1.5 groups
/// them) is one index of dimension 2, so that per-frame masks, weights and index selections address plan frames.
/// Both are views of one contiguous storage. With pt = 1 (Wan, HunyuanVideo) they are the same tensor, returned as is.
/// </summary>
/// <param name="LatentFramesPerFrame">pt, latent frames per plan frame.</param>
internal sealed record PlanLayout(int LatentFramesPerFrame)
{
    /// <summary>Whether plan frames are latent frames (no reshaping at all).</summary>
    public bool IsIdentity => LatentFramesPerFrame == 1;

    /// <summary>[B, C, F, H, W] → [B, C, F / pt, pt · H, W]; the input itself when pt = 1.</summary>
    public Tensor ToPlan(Tensor latents)
    {
        if (IsIdentity)
        {
            return latents;
        }

        var pt = LatentFramesPerFrame;
        return latents.reshape(latents.shape[0], latents.shape[1], latents.shape[2] / pt, pt * latents.shape[3], latents.shape[4]);
    }

    /// <summary>[B, C, F / pt, pt · H, W] → [B, C, F, H, W]; the input itself when pt = 1.</summary>
    public Tensor ToLatent(Tensor planLatents)
    {
        if (IsIdentity)
        {
            return planLatents;
        }

        var pt = LatentFramesPerFrame;
        return planLatents.reshape(planLatents.shape[0], planLatents.shape[1], planLatents.shape[2] * pt, planLatents.shape[3] / pt, planLatents.shape[4]);
    }
}
