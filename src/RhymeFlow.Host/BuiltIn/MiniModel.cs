using System.Text;
using System.Text.Json;
using RhymeFlow.Host.Acceleration.StepCaching;
using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Models.Wan;
using RhymeFlow.Host.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.BuiltIn;

/// <summary>
/// The built-in text-to-video model: the host's <see cref="WanTransformer"/> on space-to-depth latents and the
/// learned <see cref="PromptEncoder"/>, saved and loaded as one folder.
/// </summary>
/// <remarks>
/// <para>The folder (format <c>rhymeflow-mini</c>, see docs/models.md):</para>
/// <list type="bullet">
/// <item><c>config.json</c>: <c>"format": "rhymeflow-mini"</c>, <c>format_version</c>, a <c>transformer</c> object
/// with diffusers' field names (read by <see cref="WanConfig.FromJsonElement"/>), a <c>text_encoder</c> object and
/// the latent geometry; optional free-form <c>metadata</c> strings.</item>
/// <item><c>model.safetensors</c>: the transformer under diffusers' keys and the encoder under
/// <see cref="PromptEncoder.CheckpointPrefix"/>; fp16 for a shipped model, float32 for a training checkpoint.</item>
/// <item><c>vocabulary.txt</c>: the token of each id, one a line; it must equal <see cref="Vocabulary.Words"/>.</item>
/// </list>
/// <para>As a module, its state-dict keys are <c>transformer.*</c> and <c>text_encoder.*</c>, so one optimizer sees
/// every parameter. The encoder always computes in float32; the transformer in the dtype it was built with.</para>
/// </remarks>
public sealed partial class MiniModel : nn.Module
{
    public const string Format = "rhymeflow-mini";
    public const int FormatVersion = 1;
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";
    public const string VocabularyFile = "vocabulary.txt";

    /// <summary>Where the shipped package lives, relative to the repository root (or the app folder when published).</summary>
    public const string DefaultRelativeDirectory = "assets/models/rhymeflow-mini";

    private const string TransformerPrefix = "transformer.";

#pragma warning disable IDE1006 // Field names are state-dict prefixes.
    private readonly WanTransformer transformer;
    private readonly PromptEncoder text_encoder;
#pragma warning restore IDE1006

    private MiniModel(MiniModelConfig config, WanTransformer transformer, PromptEncoder encoder)
        : base(nameof(MiniModel))
    {
        Config = config;
        this.transformer = transformer;
        text_encoder = encoder;
        RegisterComponents();
    }

    public MiniModelConfig Config { get; }

    public WanTransformer Transformer => transformer;

    public PromptEncoder TextEncoder => text_encoder;

    /// <summary>
    /// The package's TeaCache calibration (<see cref="TeaCacheCalibrationFile.FileName"/>, written by
    /// <c>RhymeFlow.Train calibrate-teacache</c>), or null when the folder has none or the model was not loaded from one.
    /// </summary>
    public TeaCacheCalibrationFile? TeaCacheCalibration { get; private set; }

    /// <summary>The calibrated TeaCache polynomial (highest power first), or null without a calibration.</summary>
    public IReadOnlyList<double>? TeaCacheCoefficients => TeaCacheCalibration?.Coefficients;

    public Device Device => transformer.Device;

    /// <summary>Parameters of both parts.</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>
    /// Builds a model with initial (untrained) weights drawn from torch's global generator after seeding it with
    /// <paramref name="seed"/>, holding <see cref="GlobalGenerator.Sync"/> so that other threads' model construction
    /// cannot change them. Left in eval mode, like <see cref="WanTransformer.Create"/>.
    /// </summary>
    public static MiniModel Create(MiniModelConfig config, Device? device = null, ScalarType dtype = ScalarType.Float32, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        device ??= CPU;
        WanTransformer transformer;
        PromptEncoder encoder;
        lock (GlobalGenerator.Sync)
        {
            manual_seed(seed);
            transformer = WanTransformer.Create(config.Transformer, dtype, device);
            using (no_grad())
            {
                encoder = new PromptEncoder(config.TextEncoder);
                encoder.to(device);
            }
        }

        var model = new MiniModel(config, transformer, encoder);
        model.eval();
        return model;
    }

    /// <summary>Token embeddings [B, 16, textDim] (float32, on the model's device) of the captions; "" gives zeros.</summary>
    public Tensor EncodePrompts(IReadOnlyList<string> captions) => text_encoder.Encode(captions);

    /// <summary>
    /// Writes the package into <paramref name="directory"/> atomically (a hidden sibling folder renamed into place).
    /// </summary>
    /// <param name="directory">The package folder; replaced if it exists.</param>
    /// <param name="storage">On-disk dtype: Float16 for a shipped model, Float32 for exact training checkpoints.</param>
    /// <param name="metadata">Free-form strings kept in config.json (training steps, loss, …).</param>
    public void Save(string directory, ScalarType storage = ScalarType.Float16, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        AtomicDirectory.Write(directory, temp => WriteFiles(temp, storage, metadata));
    }

    /// <summary>Writes the three package files into an existing folder (not atomic by itself; see <see cref="Save"/>).</summary>
    internal void WriteFiles(string folder, ScalarType storage, IReadOnlyDictionary<string, string>? metadata)
    {
        if (storage is not (ScalarType.Float16 or ScalarType.Float32 or ScalarType.BFloat16))
        {
            throw new ArgumentException($"Storage dtype must be Float16, BFloat16 or Float32, got {storage}.", nameof(storage));
        }

        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, value) in state_dict())
        {
            tensors[ToDiskKey(key)] = value.detach().to(storage, CPU);
        }

        SafetensorsWriter.Write(
            Path.Combine(folder, WeightsFile),
            tensors,
            new Dictionary<string, string> { ["format"] = Format, ["format_version"] = FormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        File.WriteAllText(Path.Combine(folder, VocabularyFile), string.Join('\n', Vocabulary.Words) + "\n", new UTF8Encoding(false));
        File.WriteAllBytes(Path.Combine(folder, ConfigFile), ConfigJson(Config, metadata));
    }

    /// <summary>Reads a package folder strictly: config, vocabulary and every weight must match.</summary>
    /// <param name="directory">The package folder.</param>
    /// <param name="device">Where to put the model; CPU when null.</param>
    /// <param name="dtype">The transformer's compute dtype (float32, bfloat16, float16); the encoder stays float32.</param>
    /// <exception cref="FileNotFoundException">The folder or one of its files is missing.</exception>
    /// <exception cref="InvalidDataException">config.json is not a rhymeflow-mini config or describes a far larger model than model.safetensors holds, or vocabulary.txt differs from the code's vocabulary.</exception>
    /// <exception cref="CheckpointException">model.safetensors is not a valid safetensors file.</exception>
    /// <exception cref="CheckpointMismatchException">Weights are missing, left over or wrongly shaped (one report).</exception>
    public static MiniModel Load(string directory, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
        {
            throw new FileNotFoundException($"The built-in model folder '{directory}' does not exist.", directory);
        }

        var configPath = RequireFile(directory, ConfigFile);
        var weightsPath = RequireFile(directory, WeightsFile);
        CheckVocabulary(RequireFile(directory, VocabularyFile));
        var (config, _) = ReadConfig(configPath);

        // Read before the weights, so that a malformed file fails fast and nothing needs disposing.
        var teaCache = TeaCacheCalibrationFile.ReadIfPresent(Path.Combine(directory, TeaCacheCalibrationFile.FileName));
        using var checkpoint = CheckpointReader.Open(weightsPath);
        CheckSize(config, configPath, checkpoint);
        var model = Create(config, device, dtype);
        try
        {
            StateDictLoader.Load(model, checkpoint, FromDiskKey, moduleName: $"the model that {configPath} describes");
            model.TeaCacheCalibration = teaCache;
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The shipped package folder: <see cref="DefaultRelativeDirectory"/> next to the app (published builds) or under
    /// the repository root (the first ancestor of the app folder holding RhymeFlow.sln). Returns the first candidate
    /// holding a config.json, else the repository (or app) location where the package belongs.
    /// </summary>
    public static string DefaultDirectory
    {
        get
        {
            var candidates = DefaultCandidates();
            return candidates.FirstOrDefault(c => File.Exists(Path.Combine(c, ConfigFile))) ?? candidates[^1];
        }
    }

    /// <summary>Loads the shipped package from <see cref="DefaultDirectory"/>.</summary>
    /// <exception cref="FileNotFoundException">The package is missing: the message says how to restore or retrain it.</exception>
    public static MiniModel LoadDefault(Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        var candidates = DefaultCandidates();
        var found = candidates.FirstOrDefault(c => File.Exists(Path.Combine(c, ConfigFile)) && File.Exists(Path.Combine(c, WeightsFile)));
        if (found is null)
        {
            throw new FileNotFoundException(
                "The built-in model's weights are missing: no config.json and model.safetensors under "
                + string.Join(" or ", candidates)
                + ". They are committed with the repository (restore them with `git checkout -- " + DefaultRelativeDirectory + "`), or retrain them on the CPU with "
                + "`dotnet run --project tools/RhymeFlow.Train -c Release -- train --run runs/mini --out " + DefaultRelativeDirectory + "`, or pass a package folder to MiniModel.Load. "
                + "See " + DefaultRelativeDirectory + "/MODEL_CARD.md.");
        }

        return Load(found, device, dtype);
    }

    internal static string ToDiskKey(string key) =>
        key.StartsWith(TransformerPrefix, StringComparison.Ordinal) ? key[TransformerPrefix.Length..] : key;

    internal static string FromDiskKey(string key) =>
        key.StartsWith(PromptEncoder.CheckpointPrefix, StringComparison.Ordinal) ? key : TransformerPrefix + key;

    private static List<string> DefaultCandidates()
    {
        var candidates = new List<string> { Path.Combine(AppContext.BaseDirectory, DefaultRelativeDirectory) };
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "RhymeFlow.sln")))
            {
                candidates.Add(Path.Combine(folder.FullName, DefaultRelativeDirectory));
                break;
            }
        }

        return candidates.Select(Path.GetFullPath).ToList();
    }

    private static string RequireFile(string directory, string name)
    {
        var path = Path.Combine(directory, name);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"The built-in model folder '{directory}' has no {name} (a package holds {ConfigFile}, {WeightsFile} and {VocabularyFile}).", path);
    }

    private static void CheckVocabulary(string path)
    {
        var words = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        var expected = Vocabulary.Words;
        var firstDifference = Enumerable.Range(0, Math.Max(words.Length, expected.Count))
            .FirstOrDefault(i => i >= words.Length || i >= expected.Count || words[i] != expected[i], -1);
        if (firstDifference >= 0)
        {
            var found = firstDifference < words.Length ? $"'{words[firstDifference]}'" : "nothing";
            var wanted = firstDifference < expected.Count ? $"'{expected[firstDifference]}'" : "nothing";
            throw new InvalidDataException(
                $"{path}: the model was trained with a different vocabulary: id {firstDifference} is {found} in the file but {wanted} in this build ({words.Length} vs {expected.Count} tokens). Retrain, or use the build the model came from.");
        }
    }

    /// <summary>
    /// Refuses a config that describes a far larger model than the weights file holds, before the model is built: a
    /// damaged config.json (or one from another package) could otherwise make Load allocate gigabytes. A config up
    /// to twice the file's size is still built, at a bounded cost, so that the loader can list which weights differ.
    /// </summary>
    private static void CheckSize(MiniModelConfig config, string configPath, CheckpointReader checkpoint)
    {
        var stored = checkpoint.Tensors.Sum(t => t.Shape.Aggregate(1.0, (n, d) => n * d));
        var needed = config.MinimumParameterCount();
        if (needed > 2 * stored)
        {
            throw new InvalidDataException(
                $"{configPath}: the config describes a model of at least {needed:G4} values, far more than the {stored:G4} in {checkpoint.Path}: they do not belong together.");
        }
    }
}
