using System.Diagnostics;
using RhymeFlow.Core;
using RhymeFlow.Host.Acceleration.AsymRnR;
using RhymeFlow.Host.Acceleration.StepCaching;
using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Models.Umt5;
using RhymeFlow.Host.Models.Wan;
using RhymeFlow.Host.Models.WanVae;
using RhymeFlow.Host.Text;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Execution;

/// <summary>
/// Prompt → video with a Wan 2.1 checkpoint folder in diffusers layout: umT5 tokenizer and encoder
/// (prompt and negative prompt), the transformer under a schedule, and the VAE.
/// </summary>
public sealed class WanVideoPipeline : IDisposable
{
    private WanVideoPipeline(WanPipelineFolder folder, Umt5TextTokenizer tokenizer, Umt5Encoder textEncoder, WanTransformer transformer, WanVae vae)
    {
        Folder = folder;
        Tokenizer = tokenizer;
        TextEncoder = textEncoder;
        Transformer = transformer;
        Vae = vae;
    }

    public WanPipelineFolder Folder { get; }

    public Umt5TextTokenizer Tokenizer { get; }

    public Umt5Encoder TextEncoder { get; }

    public WanTransformer Transformer { get; }

    public WanVae Vae { get; }

    /// <summary>Validates the folder (every problem reported at once), then loads every component strictly.</summary>
    /// <param name="folder">The checkpoint folder (<c>model_index.json</c>, <c>transformer/</c>, …).</param>
    /// <param name="device">Where the networks run.</param>
    /// <param name="dtype">The transformer's and text encoder's dtype; the VAE runs in float32 on the CPU and in this dtype elsewhere.</param>
    public static WanVideoPipeline Load(string folder, Device device, ScalarType dtype)
    {
        var layout = WanPipelineFolder.Open(folder);
        var tokenizer = Umt5TextTokenizer.Load(layout.Tokenizer);
        var textEncoder = Umt5Encoder.Create(Umt5Config.FromJson(layout.TextEncoder.ConfigPath), dtype, device);
        WanTransformer? transformer = null;
        WanVae? vae = null;
        try
        {
            textEncoder.LoadWeights(layout.TextEncoder.WeightsPath);
            transformer = WanTransformer.Create(WanConfig.FromJson(layout.Transformer.ConfigPath), dtype, device);
            transformer.LoadWeights(layout.Transformer.WeightsPath);
            var vaeType = device.type == TorchSharp.DeviceType.CPU ? ScalarType.Float32 : dtype;
            vae = WanVae.Create(WanVaeConfig.FromJson(layout.Vae.ConfigPath), vaeType, device);
            vae.LoadWeights(layout.Vae.WeightsPath);
            return new WanVideoPipeline(layout, tokenizer, textEncoder, transformer, vae);
        }
        catch
        {
            textEncoder.Dispose();
            transformer?.Dispose();
            vae?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Text-encoder states of each prompt as Wan feeds them to the transformer: trimmed to the
    /// prompt's true length, zero-padded to 512 tokens, [B, 512, d_model]. The caller owns them.
    /// </summary>
    public Tensor EncodePrompts(IReadOnlyList<string> prompts)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var tokens = Tokenizer.EncodeBatch(prompts);
        var hidden = TextEncoder.Encode(tokens.InputIds.to(TextEncoder.Device), tokens.AttentionMask.to(TextEncoder.Device));
        return WanPromptEmbeddings.Prepare(hidden, tokens.AttentionMask).MoveToOuterDisposeScope();
    }

    /// <summary>Latent shape [1, z, F, h, w] of a video of the request's size.</summary>
    public long[] LatentShape(WanVideoRequest request)
    {
        request.Validate(Vae.Config.ScaleFactorTemporal, Vae.Config.ScaleFactorSpatial * Transformer.Config.PatchSize.H);
        var s = Vae.Config.ScaleFactorSpatial;
        return [1, Transformer.Config.InChannels, Vae.LatentFrames(request.Frames), request.Height / s, request.Width / s];
    }

    /// <summary>Runs the whole pipeline on a dedicated thread (see <see cref="VideoDenoiser"/>).</summary>
    public Task<WanVideo> GenerateAsync(WanVideoRequest request, IProgress<DenoiseEvent>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var completion = new TaskCompletionSource<WanVideo>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                completion.SetResult(Generate(request, progress, cancellationToken));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                completion.SetCanceled(cancellationToken);
            }
            catch (Exception error)
            {
                completion.SetException(error);
            }
        })
        {
            IsBackground = true,
            Name = "RhymeFlow pipeline",
        };
        thread.Start();
        return completion.Task;
    }

    public void Dispose()
    {
        TextEncoder.Dispose();
        Transformer.Dispose();
        Vae.Dispose();
    }

    private WanVideo Generate(WanVideoRequest request, IProgress<DenoiseEvent>? progress, CancellationToken cancellationToken)
    {
        var shape = LatentShape(request);
        var clock = Stopwatch.StartNew();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var texts = EncodePrompts([request.Prompt, request.NegativePrompt]);
        var encoded = clock.Elapsed;
        cancellationToken.ThrowIfCancellationRequested();

        using var generator = new Generator((ulong)request.Seed, CPU);
        var noise = randn(shape, ScalarType.Float32, CPU, generator: generator);
        var schedule = request.Schedule ?? Schedules.RhymeFlow(shift: Folder.Scheduler.FlowShift);
        var reduction = request.Reduction is null ? null : AttentionReduction.Compile(request.Reduction, Transformer.Config.NumLayers, schedule);
        var denoise = new DenoiseRequest(texts[0..1], noise, schedule, request.Guidance, texts[1..2], Reduction: reduction) { StepCache = request.StepCache };
        using var latents = new VideoDenoiser(Transformer).Run(denoise, e => progress?.Report(e), cancellationToken);
        var denoised = clock.Elapsed;
        cancellationToken.ThrowIfCancellationRequested();

        var video = Vae.Decode(Vae.Denormalize(latents.Latents)).to(ScalarType.Float32).cpu();
        var decoded = clock.Elapsed;
        var timings = new WanVideoTimings(encoded, denoised - encoded, decoded - denoised);
        var result = new WanVideo(video.DetachFromDisposeScope(), latents.Latents.cpu().DetachFromDisposeScope(), latents.Plan, timings) { CacheTrace = latents.CacheTrace };
        return result;
    }
}

/// <summary>What to generate with <see cref="WanVideoPipeline"/>.</summary>
/// <param name="Prompt">The prompt.</param>
/// <param name="NegativePrompt">The negative prompt (classifier-free guidance's unconditional branch).</param>
/// <param name="Frames">Video frames, 1 + (temporal factor)·k (81 for Wan 2.1).</param>
/// <param name="Height">Video height, a multiple of the VAE's spatial factor times the patch (480).</param>
/// <param name="Width">Video width, likewise (832).</param>
/// <param name="Schedule">The schedule; null is RhymeFlow's default with the folder's flow shift.</param>
/// <param name="Guidance">Classifier-free guidance scale.</param>
/// <param name="Seed">Seed of the initial noise (drawn on the CPU, so it is the same on every device).</param>
/// <param name="Reduction">AsymRnR token reduction in self-attention (composes with the schedule); null runs every attention dense.</param>
public sealed record WanVideoRequest(
    string Prompt,
    string NegativePrompt = "",
    int Frames = 81,
    int Height = 480,
    int Width = 832,
    ScheduleSpec? Schedule = null,
    double Guidance = 5.0,
    long Seed = 0,
    TokenReductionSpec? Reduction = null)
{
    /// <summary>TeaCache or the first-block cache (dense or fewer-steps schedules only); null runs every block.</summary>
    public StepCache? StepCache { get; init; }

    internal void Validate(int temporalFactor, int spatialMultiple)
    {
        ArgumentNullException.ThrowIfNull(Prompt);
        ArgumentNullException.ThrowIfNull(NegativePrompt);
        if (Frames < 1 || (Frames - 1) % temporalFactor != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Frames), Frames, $"Frames must be 1 + {temporalFactor}k (e.g. {1 + (20 * temporalFactor)}).");
        }

        if (Height <= 0 || Height % spatialMultiple != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Height), Height, $"Height must be a positive multiple of {spatialMultiple}.");
        }

        if (Width <= 0 || Width % spatialMultiple != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Width), Width, $"Width must be a positive multiple of {spatialMultiple}.");
        }
    }
}

/// <summary>Wall time of each phase of a pipeline run.</summary>
public sealed record WanVideoTimings(TimeSpan TextEncoding, TimeSpan Denoising, TimeSpan Decoding)
{
    public TimeSpan Total => TextEncoding + Denoising + Decoding;
}

/// <summary>A generated video. Owns its tensors; dispose it when done.</summary>
/// <param name="Video">Frames [1, 3, T, H, W] in [-1, 1], float32, on the CPU.</param>
/// <param name="Latents">The final latents [1, z, F, h, w] before de-normalisation, float32, on the CPU.</param>
/// <param name="Plan">The executed plan, keyframes included.</param>
/// <param name="Timings">Wall time per phase.</param>
public sealed record WanVideo(Tensor Video, Tensor Latents, PlanView Plan, WanVideoTimings Timings) : IDisposable
{
    /// <summary>What the request's step cache did; null without one.</summary>
    public StepCacheTrace? CacheTrace { get; init; }

    public void Dispose()
    {
        Video.Dispose();
        Latents.Dispose();
    }
}
