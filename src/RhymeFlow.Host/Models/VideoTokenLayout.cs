namespace RhymeFlow.Host.Models;

/// <summary>
/// Where the video tokens of a self-attention sequence sit in the latent video: token i is at frame
/// <c>Frames[i / (Height · Width)]</c>, row <c>(i / Width) % Height</c>, column <c>i % Width</c>. Text tokens that a
/// family's self-attention also holds are not part of it.
/// </summary>
/// <remarks>
/// A frame is a plan frame of the family: one latent frame (Wan, HunyuanVideo) or one temporal token of
/// <c>patch_size_t</c> latent frames (CogVideoX-1.5). Frames are true indices, so a keyframe-only evaluation's
/// keys/values (active frames, then the context's frames) place each token where the full sequence would.
/// </remarks>
/// <param name="Frames">True (plan) frame index of each frame of the sequence, in sequence order.</param>
/// <param name="Height">Token rows per frame.</param>
/// <param name="Width">Token columns per frame.</param>
public sealed record VideoTokenLayout(IReadOnlyList<int> Frames, int Height, int Width)
{
    /// <summary>Tokens in the sequence.</summary>
    public int Count => Frames.Count * Height * Width;

    /// <summary>A text key that equals another layout's exactly when the frames and grid do (records compare lists by reference).</summary>
    public string Key => $"{string.Join(',', Frames)}/{Height}x{Width}";
}
