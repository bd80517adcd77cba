using System.Diagnostics;
using System.Text.Json;
using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Media;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.BuiltIn.Training;

/// <summary>
/// Trains a <see cref="MiniModel"/> (transformer and prompt encoder together) with the rectified-flow objective of
/// <see cref="FlowMatching"/>, AdamW, warm-up and gradient clipping, in float32 (TF32 matmuls on CUDA).
/// </summary>
/// <remarks>
/// <para>Everything random about step k is a function of (DataSeed, k): the specs are
/// <see cref="TrainingSampler.SampleBatch"/>(k·B, B), and the empty captions, σ and noise come from a generator seeded
/// from (DataSeed, k). A checkpoint therefore only needs the weights, the AdamW moments and the step index for a
/// resumed run to continue exactly as an uninterrupted one.</para>
/// <para>Clips come from a <see cref="ClipCache"/>: blocks of the run's clips rendered ahead on every core (at most
/// <see cref="MaxCacheBytes"/> at a time), then noised on the CPU and moved to the device. Not thread-safe.</para>
/// </remarks>
public sealed class MiniTrainer : IDisposable
{
    /// <summary>The file of the trainer's own state inside a checkpoint folder (next to the float32 model package).</summary>
    public const string StateFile = "trainer.json";

    /// <summary>The AdamW moments inside a checkpoint folder.</summary>
    public const string OptimizerFile = "optimizer.safetensors";

    private const long NoiseStream = 0x6E6F697365; // "noise": keeps these draws apart from the sampler's streams.

    private readonly TrainingSampler _sampler;
    private readonly AdamW _optimizer;
    private readonly List<Parameter> _parameters;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TimeSpan _earlierRunTime;
    private ClipCache? _cache;
    private float[]? _pixels;

    private MiniTrainer(MiniModel model, TrainingOptions options, long nextStep, TimeSpan earlierRunTime)
    {
        Model = model;
        Options = options;
        NextStep = nextStep;
        _earlierRunTime = earlierRunTime;
        _sampler = new TrainingSampler(options.DataSeed);
        if (model.Device.type == DeviceType.CUDA)
        {
            backends.cuda.matmul.allow_tf32 = true;
            backends.cudnn.allow_tf32 = true;
        }

        model.train();
        var named = model.named_parameters().ToList();
        foreach (var (_, parameter) in named)
        {
            // Some Wan weights (scale_shift_table, the q/k RMSNorm scales) are created frozen for inference.
            parameter.requires_grad = true;
        }

        _parameters = named.Select(p => p.parameter).ToList();
        _optimizer = new AdamW(named.Select(p => (p.name, (Tensor)p.parameter)));
    }

    public MiniModel Model { get; }

    public TrainingOptions Options { get; }

    /// <summary>The index of the step <see cref="TrainStep"/> runs next (= steps done).</summary>
    public long NextStep { get; private set; }

    /// <summary>The most memory the clip cache may take; a run whose clips do not fit renders them in blocks. 4 GiB by default.</summary>
    public long MaxCacheBytes { get; init; } = 4L << 30;

    /// <summary>Wall time of the whole run so far: earlier invocations (from the checkpoint) plus this one's since it started.</summary>
    public TimeSpan RunTime => _earlierRunTime + _clock.Elapsed;

    /// <summary>Wall time spent rendering clips into the cache in this invocation.</summary>
    public TimeSpan RenderTime { get; private set; }

    /// <summary>Starts a run: a fresh float32 model seeded with <see cref="TrainingOptions.Seed"/>.</summary>
    public static MiniTrainer Start(TrainingOptions options, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var model = MiniModel.Create(options.ModelConfig, device ?? CPU, ScalarType.Float32, options.Seed);
        return new MiniTrainer(model, options, 0, TimeSpan.Zero);
    }

    /// <summary>Continues a run from a checkpoint folder written by <see cref="SaveCheckpoint"/>, with its options.</summary>
    /// <exception cref="FileNotFoundException">The folder is not a checkpoint.</exception>
    public static MiniTrainer Resume(string directory, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var statePath = Path.Combine(directory, StateFile);
        if (!File.Exists(statePath))
        {
            throw new FileNotFoundException($"'{directory}' is not a training checkpoint: it has no {StateFile}.", statePath);
        }

        var state = JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(statePath))
            ?? throw new InvalidDataException($"{statePath}: empty trainer state.");
        if (state.FormatVersion is not (1 or 2) || state.Options is null)
        {
            throw new InvalidDataException($"{statePath}: unsupported trainer state (format_version {state.FormatVersion}).");
        }

        TrainingOptions options;
        try
        {
            options = state.Options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{statePath}: {e.Message}", e);
        }

        var model = MiniModel.Load(directory, device ?? CPU, ScalarType.Float32);
        var trainer = new MiniTrainer(model, options, state.NextStep, TimeSpan.FromSeconds(state.RunSeconds));
        try
        {
            using var optimizer = CheckpointReader.Open(Path.Combine(directory, OptimizerFile));
            trainer._optimizer.LoadState(optimizer, state.OptimizerSteps);
            return trainer;
        }
        catch
        {
            trainer.Dispose();
            throw;
        }
    }

    /// <summary>The captions of step <paramref name="step"/>'s batch, with the empty ones ("") in place.</summary>
    public IReadOnlyList<string> Captions(long step)
    {
        var random = SeededRandom.For(Options.DataSeed ^ NoiseStream, step);
        return _sampler.SampleBatch(step * Options.BatchSize, Options.BatchSize)
            .Select(spec => random.NextDouble() < Options.EmptyCaptionRate ? string.Empty : Caption.Render(spec))
            .ToArray();
    }

    /// <summary>Runs step <see cref="NextStep"/>: forward, backward, clipping and the AdamW update.</summary>
    public TrainingStepResult TrainStep()
    {
        var clock = Stopwatch.StartNew();
        var step = NextStep;
        var device = Model.Device;
        var batch = Options.BatchSize;
        // One buffer for every step: a batch is megabytes, and a fresh array per step would be large-object garbage.
        var pixels = _pixels ??= new float[batch * ClipCache.ClipBytes];
        CacheFor(step).CopyTo(step * batch, batch, pixels);
        var random = SeededRandom.For(Options.DataSeed ^ NoiseStream, step);
        var captions = _sampler.SampleBatch(step * batch, batch)
            .Select(spec => random.NextDouble() < Options.EmptyCaptionRate ? string.Empty : Caption.Render(spec))
            .ToArray();
        using var generator = new Generator(random.NextUInt64(), CPU);
        using var timestepScale = FlowMatching.TimestepScale.ToScalar();

        double loss, gradientNorm, meanSigma;
        using (var scope = NewDisposeScope())
        {
            var clean = SpaceToDepthCodec.Encode(tensor(pixels, [batch, VideoClip.Channels, ClipGenerator.Frames, ClipGenerator.Size, ClipGenerator.Size]));
            var noise = randn(clean.shape, ScalarType.Float32, CPU, generator: generator);
            var sigma = FlowMatching.SampleSigmas(generator, batch, Options.FlowShift);
            var (noisy, target) = FlowMatching.Interpolate(clean, noise, sigma);
            var text = Model.EncodePrompts(captions);
            var velocity = Model.Transformer.Forward(noisy.to(device), sigma.mul(timestepScale).to(device), text);
            var objective = nn.functional.mse_loss(velocity.to(ScalarType.Float32), target.to(device));

            Model.zero_grad();
            objective.backward();
            gradientNorm = nn.utils.clip_grad_norm_(_parameters, Options.GradientClip);
            _optimizer.Step(Options.LearningRateAt(step), Options.WeightDecay);
            loss = objective.item<float>();
            meanSigma = sigma.mean().item<float>();
        }

        NextStep = step + 1;
        return new TrainingStepResult(step, loss, gradientNorm, Options.LearningRateAt(step), meanSigma, captions.Count(c => c.Length == 0), clock.Elapsed);
    }

    /// <summary>
    /// The cache holding step <paramref name="step"/>'s clips: the current block, or a new one rendered from this step
    /// on, as many steps as fit in <see cref="MaxCacheBytes"/> (at least one) and the run still needs.
    /// </summary>
    private ClipCache CacheFor(long step)
    {
        var batch = Options.BatchSize;
        if (_cache is { } current && current.Holds(step * batch, batch))
        {
            return current;
        }

        _cache = null;
        var fitting = Math.Max(1, MaxCacheBytes / ((long)ClipCache.ClipBytes * batch));
        var steps = Math.Clamp(Options.TotalSteps - step, 1, fitting);
        var block = ClipCache.Render(_sampler, step * batch, checked((int)(steps * batch)));
        RenderTime += block.RenderTime;
        _cache = block;
        return block;
    }

    /// <summary>
    /// Writes a resumable checkpoint atomically: the model as a float32 package (loadable by <see cref="MiniModel.Load"/>),
    /// the AdamW moments and <see cref="StateFile"/> (options, next step, optimizer step count).
    /// </summary>
    public void SaveCheckpoint(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var metadata = new Dictionary<string, string>
        {
            ["training_steps"] = NextStep.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["training_size"] = Options.Size,
        };
        AtomicDirectory.Write(directory, folder =>
        {
            Model.WriteFiles(folder, ScalarType.Float32, metadata);
            var (tensors, steps) = _optimizer.StateDict();
            try
            {
                SafetensorsWriter.Write(Path.Combine(folder, OptimizerFile), tensors);
            }
            finally
            {
                foreach (var tensor in tensors.Values)
                {
                    tensor.Dispose();
                }
            }

            var state = new TrainerState(2, Options, NextStep, steps, RunTime.TotalSeconds, "Data of step k is a function of (DataSeed, k): no generator state to store.");
            File.WriteAllText(Path.Combine(folder, StateFile), JsonSerializer.Serialize(state, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        });
    }

    /// <summary>Writes the shipped form of the model: an fp16 package, in eval mode.</summary>
    public void Export(string directory, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var notes = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>())
        {
            ["training_steps"] = NextStep.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        Model.Save(directory, ScalarType.Float16, notes);
    }

    public void Dispose()
    {
        _cache = null;
        _optimizer.Dispose();
        Model.Dispose();
    }

    // RunSeconds: wall time of the run up to this checkpoint (format 2; 0 when read from format 1).
    private sealed record TrainerState(int FormatVersion, TrainingOptions Options, long NextStep, long OptimizerSteps, double RunSeconds, string Note);
}
