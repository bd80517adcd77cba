using System.Text.Json;

namespace RhymeFlow.Host.Checkpoints;

/// <summary>
/// A Wan 2.1 text-to-video checkpoint in diffusers layout: <c>model_index.json</c>, then
/// <c>transformer/</c>, <c>text_encoder/</c>, <c>tokenizer/</c>, <c>vae/</c> and <c>scheduler/</c>
/// with their configs. Opening validates the whole folder and reports every problem at once.
/// </summary>
/// <param name="Root">The folder.</param>
/// <param name="Transformer">The transformer's config and weights (diffusers or original Wan keys).</param>
/// <param name="TextEncoder">The umT5 encoder's config and weights (transformers keys).</param>
/// <param name="Tokenizer">The SentencePiece model, <c>tokenizer/spiece.model</c>.</param>
/// <param name="Vae">The VAE's config and weights.</param>
/// <param name="Scheduler">The sampling settings of <c>scheduler/scheduler_config.json</c>.</param>
public sealed record WanPipelineFolder(
    string Root,
    PipelineComponent Transformer,
    PipelineComponent TextEncoder,
    string Tokenizer,
    PipelineComponent Vae,
    SchedulerSettings Scheduler)
{
    /// <summary>Validates <paramref name="root"/> and returns its parts, or throws one <see cref="PipelineFolderException"/> listing every problem.</summary>
    public static WanPipelineFolder Open(string root)
    {
        var problems = new List<string>();
        var full = Path.GetFullPath(root);
        if (!Directory.Exists(full))
        {
            throw new PipelineFolderException(full, [$"no such folder"]);
        }

        using var index = ReadJson(Path.Combine(full, "model_index.json"), problems);
        foreach (var name in new[] { "transformer", "text_encoder", "tokenizer", "vae", "scheduler" })
        {
            if (index is { } document && !document.RootElement.TryGetProperty(name, out _))
            {
                problems.Add($"model_index.json: no '{name}' entry");
            }
        }

        var transformer = Component(full, "transformer", "config.json", problems);
        var textEncoder = Component(full, "text_encoder", "config.json", problems);
        var vae = Component(full, "vae", "config.json", problems);
        var tokenizer = Path.Combine(full, "tokenizer", "spiece.model");
        if (!File.Exists(tokenizer))
        {
            problems.Add("tokenizer/spiece.model: missing (the umT5 SentencePiece model)");
        }

        var scheduler = ReadScheduler(full, problems);
        CheckAgreement(transformer, textEncoder, vae, problems);
        if (problems.Count > 0)
        {
            throw new PipelineFolderException(full, problems);
        }

        return new WanPipelineFolder(full, transformer!, textEncoder!, tokenizer, vae!, scheduler!);
    }

    private static PipelineComponent? Component(string root, string name, string configName, List<string> problems)
    {
        var folder = Path.Combine(root, name);
        if (!Directory.Exists(folder))
        {
            problems.Add($"{name}/: missing");
            return null;
        }

        var configPath = Path.Combine(folder, configName);
        using var config = ReadJson(configPath, problems, $"{name}/{configName}");
        string? weights = null;
        try
        {
            weights = CheckpointPaths.Resolve(folder);
        }
        catch (CheckpointException error)
        {
            problems.Add($"{name}/: {error.Message}");
        }

        return config is null || weights is null ? null : new PipelineComponent(name, configPath, weights, config.RootElement.Clone());
    }

    private static SchedulerSettings? ReadScheduler(string root, List<string> problems)
    {
        const string relative = "scheduler/scheduler_config.json";
        using var config = ReadJson(Path.Combine(root, "scheduler", "scheduler_config.json"), problems, relative);
        if (config is null)
        {
            return null;
        }

        var element = config.RootElement;
        var className = element.TryGetProperty("_class_name", out var c) && c.ValueKind == JsonValueKind.String && ConfigFields.TryString(c, out var name) ? name : "UniPCMultistepScheduler";
        // No silent default: Wan's 480p and 720p checkpoints differ exactly here (3 and 5).
        var shift = element.TryGetProperty("flow_shift", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetDouble()
            : element.TryGetProperty("shift", out var s2) && s2.ValueKind == JsonValueKind.Number ? s2.GetDouble()
            : double.NaN;
        if (double.IsNaN(shift))
        {
            problems.Add($"{relative}: no numeric 'flow_shift' (Wan 2.1 uses 3.0 at 480p and 5.0 at 720p)");
        }
        else if (shift <= 0 || !double.IsFinite(shift))
        {
            problems.Add($"{relative}: flow_shift = {shift} is out of range: expected a positive finite number");
        }

        var prediction = element.TryGetProperty("prediction_type", out var p) && p.ValueKind == JsonValueKind.String
            ? ConfigFields.TryString(p, out var type) ? type : "(not a valid string)"
            : "flow_prediction";
        if (className.Contains("UniPC", StringComparison.Ordinal) && prediction != "flow_prediction")
        {
            problems.Add($"{relative}: prediction_type = '{prediction}': expected 'flow_prediction' (Wan is a flow-matching model)");
        }

        return new SchedulerSettings(className, shift);
    }

    private static void CheckAgreement(PipelineComponent? transformer, PipelineComponent? textEncoder, PipelineComponent? vae, List<string> problems)
    {
        if (transformer is not null && textEncoder is not null)
        {
            Agree(transformer, "text_dim", textEncoder, "d_model", problems);
        }

        if (transformer is not null && vae is not null)
        {
            Agree(transformer, "in_channels", vae, "z_dim", problems);
            Agree(transformer, "out_channels", vae, "z_dim", problems);
        }
    }

    private static void Agree(PipelineComponent left, string leftField, PipelineComponent right, string rightField, List<string> problems)
    {
        var a = Integer(left, leftField, problems);
        var b = Integer(right, rightField, problems);
        if (a is not null && b is not null && a != b)
        {
            problems.Add($"{left.Name}/config.json: {leftField} = {a} does not match {right.Name}/config.json: {rightField} = {b}");
        }
    }

    private static int? Integer(PipelineComponent component, string field, List<string> problems)
    {
        if (component.Config.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number))
        {
            return number;
        }

        problems.Add($"{component.Name}/config.json: field '{field}' is missing or not an integer");
        return null;
    }

    private static JsonDocument? ReadJson(string path, List<string> problems, string? display = null)
    {
        display ??= Path.GetFileName(path);
        if (!File.Exists(path))
        {
            problems.Add($"{display}: missing");
            return null;
        }

        try
        {
            var document = JsonDocument.Parse(File.ReadAllText(path));
            var problem = document.RootElement.ValueKind != JsonValueKind.Object ? "expected a JSON object" : JsonKeys.Problem(document.RootElement);
            if (problem is not null)
            {
                problems.Add($"{display}: {problem}");
                document.Dispose();
                return null;
            }

            return document;
        }
        catch (JsonException error)
        {
            problems.Add($"{display}: not valid JSON ({error.Message})");
            return null;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            problems.Add($"{display}: cannot be read ({error.Message})");
            return null;
        }
    }
}

/// <summary>One component of a pipeline folder.</summary>
/// <param name="Name">Its folder name, e.g. <c>transformer</c>.</param>
/// <param name="ConfigPath">Its config file.</param>
/// <param name="WeightsPath">The weights file or shard index to load.</param>
/// <param name="Config">The parsed config.</param>
public sealed record PipelineComponent(string Name, string ConfigPath, string WeightsPath, JsonElement Config);

/// <summary>What the pipeline's scheduler config says about sampling.</summary>
/// <param name="ClassName">The diffusers scheduler class, e.g. <c>UniPCMultistepScheduler</c>.</param>
/// <param name="FlowShift">The flow shift.</param>
public sealed record SchedulerSettings(string ClassName, double FlowShift);
