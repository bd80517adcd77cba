using System.Diagnostics;
using RhymeFlow.Core;
using RhymeFlow.Host.Acceleration.AsymRnR;
using RhymeFlow.Host.Acceleration.StepCaching;
using RhymeFlow.Host.Execution;
using RhymeFlow.Host.Media;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.BuiltIn;

/// <summary>
/// Captions to clips with the built-in model: tokens, encoder embeddings (the caption, and the empty caption as the
/// unconditional branch), seeded noise [1, 12, 16, 16, 16], <see cref="VideoDenoiser"/> on the given schedule, then
/// <see cref="SpaceToDepthCodec.Decode"/> to a 16-frame 32x32 clip.
/// </summary>
/// <remarks>
/// The noise comes from a CPU generator seeded with the seed, so a (caption, seed, schedule) gives the same clip on
/// every device up to float rounding. The model must stay alive, and must not be used elsewhere, while a run is in flight.
/// </remarks>
public sealed class MiniVideoGenerator
{
    /// <summary>Sampling steps of the model card's figures, and of <c>generate</c> when no --steps is given.</summary>
    public const int DefaultSteps = 30;

    /// <summary>The model card's dense sampling: 30 steps, shift 3, UniPC.</summary>
    public static ScheduleSpec DefaultSchedule { get; } = Schedules.Dense(DefaultSteps, 3.0, SolverKind.UniPC);

    /// <summary>
    /// The RhymeFlow schedule <c>generate</c> runs by default on the built-in model: the default knobs (2 keyframes,
    /// skips 3 to 5) at 30 steps, with the warm-up scaled as the command line scales it (steps / 5 = 6).
    /// </summary>
    public static ScheduleSpec DefaultRhymeFlowSchedule { get; } = Schedules.RhymeFlow(steps: DefaultSteps, warmupSteps: DefaultSteps / 5);

    public const double DefaultGuidance = 5.0;

    /// <summary>The most clips <see cref="GenerateManyAsync"/> denoises in one run unless told otherwise.</summary>
    public const int DefaultMaxBatch = 8;

    // The clamp's bounds, held for the process: an implicitly converted Scalar is freed by the finalizer alone,
    // possibly while libtorch still reads it.
    private static readonly Scalar PixelMin = -1;
    private static readonly Scalar PixelMax = 1;

    private readonly MiniModel _model;
    private readonly VideoDenoiser _denoiser;

    public MiniVideoGenerator(MiniModel model, DenoiseOptions? options = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _denoiser = new VideoDenoiser(model.Transformer, options);
    }

    /// <summary>The initial noise of <paramref name="seed"/>: [1, 12, 16, 16, 16] float32 on the CPU.</summary>
    public static Tensor InitialNoise(long seed)
    {
        using var generator = new Generator(unchecked((ulong)seed), CPU);
        return randn([1, SpaceToDepthCodec.LatentChannels, MiniModelConfig.LatentFrames, MiniModelConfig.LatentSize, MiniModelConfig.LatentSize], ScalarType.Float32, CPU, generator: generator);
    }

    /// <summary>Generates one clip.</summary>
    /// <param name="caption">A caption of the grammar (see <see cref="Caption"/>); words outside the vocabulary are an error.</param>
    /// <param name="seed">Noise seed.</param>
    /// <param name="schedule">Null for <see cref="DefaultSchedule"/>.</param>
    /// <param name="guidance">CFG scale (≥ 1; 1 runs the caption alone).</param>
    /// <param name="progress">Receives each evaluation on the compute thread.</param>
    /// <param name="cancellationToken">Cancels at the next evaluation.</param>
    /// <param name="reduction">AsymRnR token reduction in self-attention; null runs every attention dense.</param>
    /// <param name="stepCache">TeaCache or the first-block cache (full-evaluation schedules only); null runs every block.</param>
    public async Task<MiniVideo> GenerateAsync(
        string caption,
        long seed,
        ScheduleSpec? schedule = null,
        double guidance = DefaultGuidance,
        IProgress<DenoiseEvent>? progress = null,
        CancellationToken cancellationToken = default,
        TokenReductionSpec? reduction = null,
        StepCache? stepCache = null)
    {
        ArgumentNullException.ThrowIfNull(caption);
        var clock = Stopwatch.StartNew();
        Tensor prompt, negative, noise;
        using (no_grad())
        {
            var embeddings = _model.EncodePrompts([caption, string.Empty]);
            prompt = embeddings.narrow(0, 0, 1).contiguous();
            negative = embeddings.narrow(0, 1, 1).contiguous();
            embeddings.Dispose();
            using var cpuNoise = InitialNoise(seed);
            noise = cpuNoise.to(_model.Device);
        }

        try
        {
            var chosen = schedule ?? DefaultSchedule;
            var attention = reduction is null ? null : AttentionReduction.Compile(reduction, _model.Transformer.Config.NumLayers, chosen);
            var request = new DenoiseRequest(prompt, noise, chosen, guidance, guidance == 1 ? null : negative, Reduction: attention) { StepCache = stepCache };
            using var latents = await _denoiser.GenerateAsync(request, progress, cancellationToken).ConfigureAwait(false);
            VideoClip clip;
            using (no_grad())
            using (var scope = NewDisposeScope())
            {
                var pixels = SpaceToDepthCodec.Decode(latents.Latents.to(ScalarType.Float32)).clamp(PixelMin, PixelMax);
                clip = VideoClip.FromTensor(pixels);
            }

            return new MiniVideo(caption, seed, clip, latents.Plan, latents.Elapsed, clock.Elapsed, latents.ContextBytes) { CacheTrace = latents.CacheTrace };
        }
        finally
        {
            prompt.Dispose();
            negative.Dispose();
            noise.Dispose();
        }
    }

    /// <summary>
    /// One clip per seed, in order, denoised as batches of at most <paramref name="maxBatch"/> clips: one run per batch,
    /// with the caption's embeddings shared by its clips and their seeds' noise stacked (see <see cref="DenoiseRequest"/>).
    /// </summary>
    /// <remarks>
    /// Each clip's noise is <see cref="InitialNoise"/> of its seed, as for <see cref="GenerateAsync"/>. The clips of a
    /// batch share one plan: for RhymeFlow one keyframe set, selected from the batch, so a clip may differ from its
    /// single run where that would have chosen other keyframes; dense clips agree with their single runs to float
    /// rounding. A clip's <see cref="MiniVideo.DenoiseElapsed"/> and <see cref="MiniVideo.TotalElapsed"/> are equal
    /// shares of its batch's (they add up to the wall time); its <see cref="MiniVideo.ContextBytes"/> is the batch's,
    /// which was held at once. <paramref name="progress"/> sees each batch's evaluations in turn.
    /// </remarks>
    /// <param name="caption">A caption of the grammar (see <see cref="Caption"/>).</param>
    /// <param name="seeds">Noise seeds, one clip each.</param>
    /// <param name="schedule">Null for <see cref="DefaultSchedule"/>.</param>
    /// <param name="guidance">CFG scale (≥ 1; 1 runs the caption alone).</param>
    /// <param name="progress">Receives each evaluation on the compute thread.</param>
    /// <param name="cancellationToken">Cancels at the next evaluation.</param>
    /// <param name="reduction">AsymRnR token reduction in self-attention; null runs every attention dense.</param>
    /// <param name="stepCache">TeaCache or the first-block cache (full-evaluation schedules only), one decision per batch; null runs every block.</param>
    /// <param name="maxBatch">The most clips per run: activations and the recorded context grow with it (1 runs the seeds one by one).</param>
    public async Task<IReadOnlyList<MiniVideo>> GenerateManyAsync(
        string caption,
        IReadOnlyList<long> seeds,
        ScheduleSpec? schedule = null,
        double guidance = DefaultGuidance,
        IProgress<DenoiseEvent>? progress = null,
        CancellationToken cancellationToken = default,
        TokenReductionSpec? reduction = null,
        int maxBatch = DefaultMaxBatch,
        StepCache? stepCache = null)
    {
        ArgumentNullException.ThrowIfNull(caption);
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        var clips = new List<MiniVideo>(seeds.Count);
        foreach (var batch in seeds.Chunk(maxBatch))
        {
            clips.AddRange(await GenerateBatchAsync(caption, batch, schedule ?? DefaultSchedule, guidance, progress, cancellationToken, reduction, stepCache).ConfigureAwait(false));
        }

        return clips;
    }

    private async Task<IReadOnlyList<MiniVideo>> GenerateBatchAsync(
        string caption,
        long[] seeds,
        ScheduleSpec schedule,
        double guidance,
        IProgress<DenoiseEvent>? progress,
        CancellationToken cancellationToken,
        TokenReductionSpec? reduction,
        StepCache? stepCache)
    {
        var clock = Stopwatch.StartNew();
        Tensor prompt, negative, noise;
        using (no_grad())
        using (var scope = NewDisposeScope())
        {
            // One row each, shared by every clip of the batch.
            var embeddings = _model.EncodePrompts([caption, string.Empty]);
            prompt = embeddings.narrow(0, 0, 1).contiguous().DetachFromDisposeScope();
            negative = embeddings.narrow(0, 1, 1).contiguous().DetachFromDisposeScope();
            noise = cat(seeds.Select(InitialNoise).ToArray(), 0).to(_model.Device).DetachFromDisposeScope();
        }

        try
        {
            var attention = reduction is null ? null : AttentionReduction.Compile(reduction, _model.Transformer.Config.NumLayers, schedule);
            var request = new DenoiseRequest(prompt, noise, schedule, guidance, guidance == 1 ? null : negative, Reduction: attention) { StepCache = stepCache };
            using var latents = await _denoiser.GenerateAsync(request, progress, cancellationToken).ConfigureAwait(false);
            var clips = new VideoClip[seeds.Length];
            using (no_grad())
            using (var scope = NewDisposeScope())
            {
                var pixels = SpaceToDepthCodec.Decode(latents.Latents.to(ScalarType.Float32)).clamp(PixelMin, PixelMax);
                for (var i = 0; i < clips.Length; i++)
                {
                    clips[i] = VideoClip.FromTensor(pixels[i]);
                }
            }

            var denoiseShare = latents.Elapsed / seeds.Length;
            var totalShare = clock.Elapsed / seeds.Length;
            return [.. seeds.Select((seed, i) => new MiniVideo(caption, seed, clips[i], latents.Plan, denoiseShare, totalShare, latents.ContextBytes) { CacheTrace = latents.CacheTrace })];
        }
        finally
        {
            prompt.Dispose();
            negative.Dispose();
            noise.Dispose();
        }
    }
}
