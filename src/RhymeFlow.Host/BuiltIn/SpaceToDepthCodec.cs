using static TorchSharp.torch;

namespace RhymeFlow.Host.BuiltIn;

/// <summary>
/// The built-in model's lossless "VAE": a 2x2 space-to-depth rearrangement, pixels [B, 3, F, H, W] in [-1,1]
/// to latents [B, 12, F, H/2, W/2] and back. Only values move, so decode(encode(x)) == x bit for bit.
/// </summary>
/// <remarks>
/// Latent channel <c>4c + 2i + j</c> holds colour channel <c>c</c> at row offset <c>i</c> and column offset
/// <c>j</c> within each 2x2 block (PyTorch's pixel_unshuffle order). For 16 frames of 32x32 that is
/// 12 x 16 x 16 x 16; the shipped model's (1, 4, 4) patch makes that 16 x 4 x 4 = 256 tokens of 8x8 pixels.
/// </remarks>
public static class SpaceToDepthCodec
{
    public const int PixelChannels = 3;
    public const int Factor = 2;
    public const int LatentChannels = PixelChannels * Factor * Factor;

    /// <summary>Pixels [B, 3, F, H, W] (H, W even) to latents [B, 12, F, H/2, W/2]; same dtype and device.</summary>
    public static Tensor Encode(Tensor pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        var (b, c, f, h, w) = Dimensions(pixels, nameof(pixels), PixelChannels, "pixels");
        if (h % Factor != 0 || w % Factor != 0)
        {
            throw new ArgumentException($"Pixel height and width must be even for 2x2 space-to-depth, but they are {h}x{w}.", nameof(pixels));
        }

        using var scope = NewDisposeScope();
        return pixels
            .reshape(b, c, f, h / Factor, Factor, w / Factor, Factor)
            .permute(0, 1, 4, 6, 2, 3, 5)
            .reshape(b, c * Factor * Factor, f, h / Factor, w / Factor)
            .MoveToOuterDisposeScope();
    }

    /// <summary>Latents [B, 12, F, h, w] to pixels [B, 3, F, 2h, 2w]: the exact inverse of <see cref="Encode"/>.</summary>
    public static Tensor Decode(Tensor latents)
    {
        ArgumentNullException.ThrowIfNull(latents);
        var (b, _, f, h, w) = Dimensions(latents, nameof(latents), LatentChannels, "latents");
        using var scope = NewDisposeScope();
        return latents
            .reshape(b, PixelChannels, Factor, Factor, f, h, w)
            .permute(0, 1, 4, 5, 2, 6, 3)
            .reshape(b, PixelChannels, f, h * Factor, w * Factor)
            .MoveToOuterDisposeScope();
    }

    private static (long B, long C, long F, long H, long W) Dimensions(Tensor tensor, string name, int channels, string what)
    {
        var shape = tensor.shape;
        if (shape.Length != 5 || shape[1] != channels)
        {
            throw new ArgumentException(
                $"Expected {what} of shape [B, {channels}, F, H, W], but got [{string.Join(", ", shape)}].", name);
        }

        return (shape[0], shape[1], shape[2], shape[3], shape[4]);
    }
}
