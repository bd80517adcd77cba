using System.Text.Json;
using RhymeFlow.Host.Checkpoints;

namespace RhymeFlow.Host.Models.WanVae;

/// <summary>
/// The architecture of the Wan 2.1 video VAE, as in diffusers' <c>AutoencoderKLWan</c> config.
/// </summary>
/// <param name="BaseDim">Channels of the first encoder stage (and of the decoder, unless <paramref name="DecoderBaseDim"/> is set).</param>
/// <param name="DecoderBaseDim">Base channels of the decoder; null means <paramref name="BaseDim"/>.</param>
/// <param name="ZDim">Latent channels.</param>
/// <param name="DimMult">Channel multipliers per stage; one spatial 2× down/upsampling between consecutive stages.</param>
/// <param name="NumResBlocks">Residual blocks per encoder stage (the decoder has one more per stage).</param>
/// <param name="AttnScales">Spatial scales (1, 0.5, …) at which encoder stages add attention after each residual block; empty for Wan 2.1.</param>
/// <param name="TemperalDownsample">Per downsampling (DimMult.Count − 1 entries): whether it also halves time. The decoder uses the reverse.</param>
/// <param name="LatentsMean">Per-channel latent mean (ZDim values), for <see cref="WanVae.Denormalize"/>.</param>
/// <param name="LatentsStd">Per-channel latent standard deviation (ZDim positive values).</param>
/// <param name="InChannels">Video channels into the encoder (3).</param>
/// <param name="OutChannels">Video channels out of the decoder (3).</param>
/// <param name="ScaleFactorTemporal">Frames per latent frame after the first: 2^(number of temporal downsamplings).</param>
/// <param name="ScaleFactorSpatial">Pixels per latent pixel along each axis: 2^(DimMult.Count − 1).</param>
public sealed record WanVaeConfig(
    int BaseDim,
    int? DecoderBaseDim,
    int ZDim,
    IReadOnlyList<int> DimMult,
    int NumResBlocks,
    IReadOnlyList<double> AttnScales,
    IReadOnlyList<bool> TemperalDownsample,
    IReadOnlyList<double> LatentsMean,
    IReadOnlyList<double> LatentsStd,
    int InChannels,
    int OutChannels,
    int ScaleFactorTemporal,
    int ScaleFactorSpatial)
    : IModelConfig<WanVaeConfig>
{
    /// <summary>
    /// The VAE of Wan 2.1 (all sizes share it): base 96, 16 latent channels, 8× spatial and 4× temporal compression,
    /// with the published latent statistics (diffusers' <c>AutoencoderKLWan</c> defaults, equal to the
    /// <c>vae/config.json</c> of the Wan2.1 diffusers checkpoints).
    /// </summary>
    public static WanVaeConfig Wan21 { get; } = new(
        BaseDim: 96,
        DecoderBaseDim: null,
        ZDim: 16,
        DimMult: [1, 2, 4, 4],
        NumResBlocks: 2,
        AttnScales: [],
        TemperalDownsample: [false, true, true],
        LatentsMean: [-0.7571, -0.7089, -0.9113, 0.1075, -0.1745, 0.9653, -0.1517, 1.5508, 0.4134, -0.0715, 0.5517, -0.3632, -0.1922, -0.9497, 0.2503, -0.2921],
        LatentsStd: [2.8184, 1.4541, 2.3275, 2.6558, 1.2196, 1.7708, 2.6052, 2.0743, 3.2687, 2.1526, 2.8652, 1.5579, 1.6382, 1.1253, 2.8251, 1.9160],
        InChannels: 3,
        OutChannels: 3,
        ScaleFactorTemporal: 4,
        ScaleFactorSpatial: 8);

    /// <summary>The decoder's base channels.</summary>
    public int DecoderDim => DecoderBaseDim ?? BaseDim;

    /// <summary>Checks that the values describe a model this engine can build.</summary>
    /// <exception cref="ArgumentException">A value is out of range, inconsistent or unsupported; the message names the field.</exception>
    public WanVaeConfig Validate()
    {
        Require(BaseDim > 0, "base_dim", $"must be positive, got {BaseDim}");
        Require(DecoderBaseDim is null or > 0, "decoder_base_dim", $"must be positive or null, got {DecoderBaseDim}");
        Require(ZDim > 0, "z_dim", $"must be positive, got {ZDim}");
        Require(DimMult.Count > 0 && DimMult.All(m => m > 0), "dim_mult", "must be a non-empty list of positive integers");
        Require(NumResBlocks > 0, "num_res_blocks", $"must be positive, got {NumResBlocks}");
        Require(
            TemperalDownsample.Count == DimMult.Count - 1,
            "temperal_downsample",
            $"must have one entry per downsampling (len(dim_mult) - 1 = {DimMult.Count - 1}), got {TemperalDownsample.Count}");
        Require(LatentsMean.Count == ZDim, "latents_mean", $"must have z_dim = {ZDim} values, got {LatentsMean.Count}");
        Require(LatentsStd.Count == ZDim, "latents_std", $"must have z_dim = {ZDim} values, got {LatentsStd.Count}");
        Require(LatentsStd.All(s => s > 0 && double.IsFinite(s)), "latents_std", "must be positive and finite");
        Require(LatentsMean.All(double.IsFinite), "latents_mean", "must be finite");
        Require(InChannels > 0, "in_channels", $"must be positive, got {InChannels}");
        Require(OutChannels > 0, "out_channels", $"must be positive, got {OutChannels}");
        var spatial = 1 << (DimMult.Count - 1);
        Require(ScaleFactorSpatial == spatial, "scale_factor_spatial", $"must be 2^(len(dim_mult) - 1) = {spatial}, got {ScaleFactorSpatial}");
        var temporal = 1 << TemperalDownsample.Count(t => t);
        Require(ScaleFactorTemporal == temporal, "scale_factor_temporal", $"must be 2^(temporal downsamplings) = {temporal}, got {ScaleFactorTemporal}");
        return this;
    }

    /// <summary>Reads a diffusers <c>config.json</c> (the <c>vae/</c> folder of a Wan 2.1 pipeline).</summary>
    /// <remarks>
    /// Fields absent from the file (or null) take diffusers' defaults, which are <see cref="Wan21"/>. The Wan 2.2
    /// variants (<c>is_residual</c> true, <c>patch_size</c> above 1) are rejected.
    /// </remarks>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not JSON, or a field is missing, mistyped or unsupported; the message names both.</exception>
    public static WanVaeConfig FromJson(string path) => ConfigFields.ReadFile(path, "Wan VAE config", FromJsonElement);

    /// <summary>Reads a config from a JSON object with diffusers' field names. Same rules as <see cref="FromJson"/>.</summary>
    /// <param name="element">The JSON object.</param>
    /// <param name="source">Named in error messages, e.g. "model/vae/config.json".</param>
    /// <exception cref="InvalidDataException">A field is mistyped, inconsistent or unsupported; the message names the source and the field.</exception>
    public static WanVaeConfig FromJsonElement(JsonElement element, string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{source}: expected a JSON object at the top level");
        }

        var reader = new ConfigFields(source, element);
        if (reader.Bool("is_residual", false))
        {
            throw new InvalidDataException($"{source}: field 'is_residual' is true (the Wan 2.2 VAE); only the Wan 2.1 VAE is supported");
        }

        if (reader.OptionalInt("patch_size") is { } patch && patch != 1)
        {
            throw new InvalidDataException($"{source}: field 'patch_size' is {patch} (the Wan 2.2 VAE); only the Wan 2.1 VAE (no patchify) is supported");
        }

        var preset = Wan21;
        var config = new WanVaeConfig(
            reader.Int("base_dim", preset.BaseDim),
            reader.OptionalInt("decoder_base_dim"),
            reader.Int("z_dim", preset.ZDim),
            reader.IntArray("dim_mult") ?? preset.DimMult,
            reader.Int("num_res_blocks", preset.NumResBlocks),
            reader.DoubleArray("attn_scales") ?? preset.AttnScales,
            reader.BoolArray("temperal_downsample") ?? preset.TemperalDownsample,
            reader.DoubleArray("latents_mean") ?? preset.LatentsMean,
            reader.DoubleArray("latents_std") ?? preset.LatentsStd,
            reader.Int("in_channels", preset.InChannels),
            reader.Int("out_channels", preset.OutChannels),
            reader.Int("scale_factor_temporal", preset.ScaleFactorTemporal),
            reader.Int("scale_factor_spatial", preset.ScaleFactorSpatial));
        try
        {
            return config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
    }

    /// <summary>Value equality over the list contents too (records compare lists by reference).</summary>
    public bool Equals(WanVaeConfig? other) =>
        other is not null
        && BaseDim == other.BaseDim
        && DecoderBaseDim == other.DecoderBaseDim
        && ZDim == other.ZDim
        && DimMult.SequenceEqual(other.DimMult)
        && NumResBlocks == other.NumResBlocks
        && AttnScales.SequenceEqual(other.AttnScales)
        && TemperalDownsample.SequenceEqual(other.TemperalDownsample)
        && LatentsMean.SequenceEqual(other.LatentsMean)
        && LatentsStd.SequenceEqual(other.LatentsStd)
        && InChannels == other.InChannels
        && OutChannels == other.OutChannels
        && ScaleFactorTemporal == other.ScaleFactorTemporal
        && ScaleFactorSpatial == other.ScaleFactorSpatial;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(BaseDim, DecoderBaseDim, ZDim, DimMult.Count, NumResBlocks, ScaleFactorTemporal, ScaleFactorSpatial);

    private static void Require(bool condition, string field, string message)
    {
        if (!condition)
        {
            throw new ArgumentException($"field '{field}' {message}");
        }
    }
}
