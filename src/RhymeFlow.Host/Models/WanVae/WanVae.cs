using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.WanVae;

/// <summary>
/// The Wan 2.1 video VAE (diffusers' <c>AutoencoderKLWan</c>): causal 3-D convolutions over time, so the first frame
/// is coded alone and each later latent frame stands for <see cref="WanVaeConfig.ScaleFactorTemporal"/> video frames.
/// State-dict keys equal diffusers' keys.
/// </summary>
/// <remarks>
/// <para>Both directions run in temporal chunks exactly as diffusers does, carrying each causal convolution's last
/// two input frames from chunk to chunk in a feature cache that one call owns and releases:
/// <see cref="Decode"/> runs one latent frame at a time, <see cref="EncodeMean"/> the first frame and then four
/// frames at a time. Peak memory is therefore that of one chunk (plus the cache and the result), whatever the
/// length of the video. There is no spatial tiling.</para>
/// <para>Every call runs under <c>no_grad</c> in its own dispose scope; the result belongs to the caller's scope and
/// lies on <see cref="ModelModule{TConfig}.Device"/> in <see cref="ModelModule{TConfig}.DType"/>. Not thread-safe: use a model from one thread.</para>
/// </remarks>
public sealed class WanVae : ModelModule<WanVaeConfig>
{
    /// <summary>Video frames per encoder chunk after the first frame (diffusers' fixed 4).</summary>
    public const int EncodeChunkFrames = 4;

#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly WanVaeEncoder encoder;
    private readonly WanCausalConv3d quant_conv;
    private readonly WanCausalConv3d post_quant_conv;
    private readonly WanVaeDecoder decoder;
#pragma warning restore IDE1006

    private WanVae(WanVaeConfig config, ScalarType dtype, Device device)
        : base(nameof(WanVae), config, dtype, device)
    {
        encoder = new WanVaeEncoder(config, dtype, device);
        quant_conv = WanCausalConv3d.Cube(config.ZDim * 2, config.ZDim * 2, 1, 0, dtype, device);
        post_quant_conv = WanCausalConv3d.Cube(config.ZDim, config.ZDim, 1, 0, dtype, device);
        decoder = new WanVaeDecoder(config, dtype, device);
        RegisterComponents();
    }

    /// <summary>Builds a model with placeholder weights (zeros, norms one); call <see cref="ModelModule{TConfig}.LoadWeights"/> next.</summary>
    /// <exception cref="ArgumentException">The config is invalid or the dtype unsupported.</exception>
    public static WanVae Create(WanVaeConfig config, ScalarType dtype, Device device) =>
        Build(config, dtype, device, static (c, d, v) => new WanVae(c, d, v));

    /// <summary>Video frames that <paramref name="latentFrames"/> latent frames decode to: 1 + (n − 1) · temporal factor.</summary>
    public int VideoFrames(int latentFrames) => 1 + ((latentFrames - 1) * Config.ScaleFactorTemporal);

    /// <summary>Latent frames that <paramref name="videoFrames"/> video frames (1 + 4k) encode to: 1 + (n − 1) / temporal factor.</summary>
    public int LatentFrames(int videoFrames) => 1 + ((videoFrames - 1) / Config.ScaleFactorTemporal);

    /// <summary>
    /// The pipeline's de-normalisation before decoding, per latent channel: <c>latents / (1 / std) + mean</c>
    /// (diffusers' <c>WanPipeline</c> spells it this way; it equals <c>latents · std + mean</c>).
    /// </summary>
    /// <param name="latents">Latents [B, z, T, h, w] as the denoiser produces them.</param>
    public Tensor Denormalize(Tensor latents)
    {
        CheckLatents(latents);
        using var scope = NewDisposeScope();
        var (mean, inverseStd) = Statistics(latents);
        return (latents / inverseStd).add(mean, Scalars.One).MoveToOuterDisposeScope();
    }

    /// <summary>The inverse of <see cref="Denormalize"/>: <c>(latents − mean) · (1 / std)</c>, as diffusers' Wan pipelines normalise encoded latents.</summary>
    /// <param name="latents">Latents [B, z, T, h, w] from <see cref="EncodeMean"/>.</param>
    public Tensor Normalize(Tensor latents)
    {
        CheckLatents(latents);
        using var scope = NewDisposeScope();
        var (mean, inverseStd) = Statistics(latents);
        return ((latents - mean) * inverseStd).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// diffusers' <c>vae.decode(z).sample</c>: latents [B, z, T, h, w] (already de-normalised, see
    /// <see cref="Denormalize"/>) → video [B, out, 1 + (T − 1) · temporal factor, h · s, w · s], clamped to [-1, 1].
    /// One latent frame at a time, with the feature cache.
    /// </summary>
    public Tensor Decode(Tensor latents)
    {
        CheckLatents(latents);
        return Evaluate(() =>
        {
            using var cache = new WanVaeFeatureCache();
            var (b, frames, h, w) = (latents.shape[0], latents.shape[2], latents.shape[3], latents.shape[4]);
            var s = Config.ScaleFactorSpatial;
            var z = post_quant_conv.forward(latents.to(DType, Device), null);
            var video = empty([b, Config.OutChannels, VideoFrames((int)frames), h * s, w * s], dtype: DType, device: Device);
            long written = 0;
            for (var i = 0; i < frames; i++)
            {
                using var chunkScope = NewDisposeScope();
                cache.BeginChunk();
                var decoded = decoder.forward(z.narrow(2, i, 1), cache);
                video.narrow(2, written, decoded.shape[2]).copy_(decoded);
                written += decoded.shape[2];
            }

            if (written != video.shape[2])
            {
                throw new InvalidOperationException($"decoding {frames} latent frames gave {written} video frames, expected {video.shape[2]}");
            }

            return video.clamp_(Scalars.MinusOneDouble, Scalars.OneDouble);
        });
    }

    /// <summary>
    /// The posterior mean of diffusers' <c>vae.encode(video)</c> (the first z channels of <c>quant_conv</c>'s output;
    /// not normalised, see <see cref="Normalize"/>): video [B, in, 1 + 4k, H, W] in [-1, 1], H and W multiples of the
    /// spatial factor → latents [B, z, 1 + (T − 1) / temporal factor, H / s, W / s]. The first frame alone, then
    /// chunks of <see cref="EncodeChunkFrames"/>, with the feature cache.
    /// </summary>
    /// <exception cref="ArgumentException">The shape is wrong, or the frame count is not 1 + 4k (diffusers would silently drop the extra frames).</exception>
    public Tensor EncodeMean(Tensor video)
    {
        ArgumentNullException.ThrowIfNull(video);
        var s = Config.ScaleFactorSpatial;
        if (video.ndim != 5 || video.shape[1] != Config.InChannels || video.shape[2] < 1 || video.shape[3] % s != 0 || video.shape[4] % s != 0)
        {
            throw new ArgumentException($"video must be [B, {Config.InChannels}, T, H, W] with H and W multiples of {s}, got [{string.Join(", ", video.shape)}]", nameof(video));
        }

        var frames = video.shape[2];
        if ((frames - 1) % EncodeChunkFrames != 0)
        {
            throw new ArgumentException($"video frame count must be 1 + {EncodeChunkFrames}k, got {frames}", nameof(video));
        }

        return Evaluate(() =>
        {
            using var cache = new WanVaeFeatureCache();
            var x = video.to(DType, Device);
            var chunks = new List<Tensor>();
            for (long start = 0; start < frames; start += start == 0 ? 1 : EncodeChunkFrames)
            {
                using var chunkScope = NewDisposeScope();
                cache.BeginChunk();
                var length = start == 0 ? 1 : EncodeChunkFrames;
                chunks.Add(encoder.forward(x.narrow(2, start, length), cache).MoveToOuterDisposeScope());
            }

            var moments = quant_conv.forward(cat(chunks, 2), null);
            return moments.narrow(1, 0, Config.ZDim).contiguous();
        });
    }

    private (Tensor Mean, Tensor InverseStd) Statistics(Tensor latents)
    {
        var shape = new long[] { 1, Config.ZDim, 1, 1, 1 };
        var mean = tensor(Config.LatentsMean.Select(v => (float)v).ToArray(), dtype: ScalarType.Float32).view(shape);
        // 1 / std (what 1.0f / t computes, less its exact multiplication by one).
        var inverseStd = tensor(Config.LatentsStd.Select(v => (float)v).ToArray(), dtype: ScalarType.Float32).reciprocal().view(shape);
        return (mean.to(latents.dtype, latents.device), inverseStd.to(latents.dtype, latents.device));
    }

    private void CheckLatents(Tensor latents)
    {
        ArgumentNullException.ThrowIfNull(latents);
        if (latents.ndim != 5 || latents.shape[1] != Config.ZDim || latents.shape[2] < 1)
        {
            throw new ArgumentException($"latents must be [B, {Config.ZDim}, T, h, w] with T ≥ 1, got [{string.Join(", ", latents.shape)}]", nameof(latents));
        }
    }
}
