using System.Text.Json.Nodes;
using RhymeFlow.Core;
using RhymeFlow.Host.Acceleration.StepCaching;
using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Tests.BuiltIn.Training;
using RhymeFlow.Host.Tests.Checkpoints;

namespace RhymeFlow.Host.Tests.BuiltIn;

[Collection(BuiltInTrainingCollection.Name)]
public sealed class MiniModelTests
{
    [Fact]
    public void Package_round_trips_in_fp16_with_diffusers_and_text_encoder_keys()
    {
        using var folder = new TempDirectory();
        var package = Path.Combine(folder.Path, "pkg");
        using var model = MiniModel.Create(MiniModelConfig.Tiny, seed: 4);
        model.Save(package);

        Assert.Equal(
            new[] { MiniModel.ConfigFile, MiniModel.WeightsFile, MiniModel.VocabularyFile }.Order(),
            Directory.GetFiles(package).Select(f => Path.GetFileName(f)!).Order());
        using (var reader = CheckpointReader.Open(Path.Combine(package, MiniModel.WeightsFile)))
        {
            Assert.Contains("blocks.0.attn1.to_q.weight", reader.Keys);
            Assert.Contains("proj_out.weight", reader.Keys);
            Assert.Contains("text_encoder.token_embedding.weight", reader.Keys);
            Assert.DoesNotContain(reader.Keys, k => k.StartsWith("transformer.", StringComparison.Ordinal));
            Assert.All(reader.Tensors, t => Assert.Equal("F16", t.DType));
            var parameters = model.parameters().Sum(p => p.numel());
            Assert.InRange(new FileInfo(Path.Combine(package, MiniModel.WeightsFile)).Length, 2 * parameters, (2 * parameters) + 65536);
        }

        var (config, _) = MiniModel.ReadConfig(Path.Combine(package, MiniModel.ConfigFile));
        Assert.Equal(MiniModelConfig.Tiny, config);
        using var loaded = MiniModel.Load(package);
        var original = model.state_dict();
        foreach (var (key, value) in loaded.state_dict())
        {
            using var rounded = original[key].to(ScalarType.Float16).to(ScalarType.Float32);
            Assert.True(value.eq(rounded).all().item<bool>(), $"{key} did not round-trip through fp16");
        }
    }

    [Fact]
    public async Task Generated_clip_has_the_video_shape_and_range_and_repeats_for_a_seed()
    {
        using var model = MiniModel.Create(MiniModelConfig.Tiny, seed: 5);
        var generator = new MiniVideoGenerator(model);
        var schedule = Schedules.Dense(3, 3.0, SolverKind.UniPC);
        var first = await generator.GenerateAsync("a red circle moving left", 9, schedule);
        var again = await generator.GenerateAsync("a red circle moving left", 9, schedule);

        Assert.Equal((16, 32, 32), (first.Clip.Frames, first.Clip.Height, first.Clip.Width));
        Assert.All(first.Clip.Values.ToArray(), v => Assert.InRange(v, -1f, 1f));
        Assert.Equal(first.Clip.Values.ToArray(), again.Clip.Values.ToArray());
        Assert.Equal(3, first.Plan.Evaluations.Count);
        using var noise = MiniVideoGenerator.InitialNoise(9);
        Assert.Equal([1L, 12, 16, 16, 16], noise.shape);
    }

    [Fact]
    public void Mini_package_is_256_tokens_a_clip_and_under_16_MiB_in_fp16()
    {
        using var folder = new TempDirectory();
        using var model = MiniModel.Create(MiniModelConfig.Mini);
        Assert.Equal(256, model.Config.TokensPerClip);
        Assert.Equal(3_947_264, model.ParameterCount);
        model.Save(folder.Path + "/mini");
        Assert.True(new FileInfo(Path.Combine(folder.Path, "mini", MiniModel.WeightsFile)).Length <= 16L << 20);
    }

    [Fact]
    public void Load_names_a_missing_file()
    {
        using var folder = new TempDirectory();
        using (var model = MiniModel.Create(MiniModelConfig.Tiny))
        {
            model.Save(folder.Path + "/pkg");
        }

        File.Delete(Path.Combine(folder.Path, "pkg", MiniModel.VocabularyFile));
        var error = Assert.Throws<FileNotFoundException>(() => MiniModel.Load(folder.Path + "/pkg"));
        Assert.Contains(MiniModel.VocabularyFile, error.Message);
    }

    [Fact]
    public void Load_rejects_a_different_vocabulary()
    {
        using var folder = new TempDirectory();
        using (var model = MiniModel.Create(MiniModelConfig.Tiny))
        {
            model.Save(folder.Path + "/pkg");
        }

        var path = Path.Combine(folder.Path, "pkg", MiniModel.VocabularyFile);
        File.WriteAllLines(path, Vocabulary.Words.Select(w => w == "red" ? "crimson" : w));
        var error = Assert.Throws<InvalidDataException>(() => MiniModel.Load(folder.Path + "/pkg"));
        Assert.Contains("'crimson'", error.Message);
        Assert.Contains("'red'", error.Message);
    }

    [Fact]
    public void Load_reports_weights_that_do_not_fit_the_config()
    {
        using var folder = new TempDirectory();
        using (var model = MiniModel.Create(MiniModelConfig.Tiny))
        {
            model.Save(folder.Path + "/pkg");
        }

        var configPath = Path.Combine(folder.Path, "pkg", MiniModel.ConfigFile);
        var json = JsonNode.Parse(File.ReadAllText(configPath))!;
        json["transformer"]!["ffn_dim"] = 96;
        File.WriteAllText(configPath, json.ToJsonString());
        var error = Assert.Throws<CheckpointMismatchException>(() => MiniModel.Load(folder.Path + "/pkg"));
        Assert.Contains(error.WrongShapes, s => s.Key.Contains("ffn", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_names_the_config_when_the_weights_do_not_fit_it()
    {
        using var folder = new TempDirectory();
        var (package, configPath) = SaveTinyWithTransformerField(folder, "num_layers", 3);
        var error = Assert.Throws<CheckpointMismatchException>(() => MiniModel.Load(package));
        Assert.Contains($"does not match the model that {configPath} describes", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ffn_dim", 1 << 30)]
    [InlineData("num_layers", 1 << 20)]
    [InlineData("num_attention_heads", 1 << 16)]
    public void Load_refuses_a_config_far_larger_than_the_weights_before_building_it(string field, int value)
    {
        using var folder = new TempDirectory();
        var (package, configPath) = SaveTinyWithTransformerField(folder, field, value);
        var error = Assert.Throws<InvalidDataException>(() => MiniModel.Load(package));
        Assert.StartsWith($"{configPath}: the config describes a model of at least", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A saved tiny package whose config.json then gets another value for one transformer field.</summary>
    [Fact]
    public void ThePackagesTeaCacheCalibrationIsExposedAndAMalformedOneIsAClearError()
    {
        using var folder = new TempDirectory();
        var package = folder.Path + "/pkg";
        using (var model = MiniModel.Create(MiniModelConfig.Tiny))
        {
            model.Save(package);
        }

        using (var plain = MiniModel.Load(package))
        {
            Assert.Null(plain.TeaCacheCoefficients);
        }

        var path = Path.Combine(package, TeaCacheCalibrationFile.FileName);
        new TeaCacheCalibrationFile([2.0, -1.0, 0.5], 0.9, 40, 30, 2, "2026-11-30T00:00:00Z", "test").Write(path);
        using (var calibrated = MiniModel.Load(package))
        {
            Assert.Equal([2.0, -1.0, 0.5], calibrated.TeaCacheCoefficients!);
        }

        File.WriteAllText(path, """{"coefficients": "many"}""");
        var error = Assert.Throws<InvalidDataException>(() => MiniModel.Load(package));
        Assert.Contains(TeaCacheCalibrationFile.FileName, error.Message);
        Assert.Contains("coefficients", error.Message);
    }

    private static (string Package, string ConfigPath) SaveTinyWithTransformerField(TempDirectory folder, string field, int value)
    {
        var package = Path.Combine(folder.Path, "pkg");
        using (var model = MiniModel.Create(MiniModelConfig.Tiny))
        {
            model.Save(package);
        }

        var configPath = Path.Combine(package, MiniModel.ConfigFile);
        var json = JsonNode.Parse(File.ReadAllText(configPath))!;
        json["transformer"]![field] = value;
        File.WriteAllText(configPath, json.ToJsonString());
        return (package, configPath);
    }

    [Fact]
    public void The_size_check_is_a_lower_bound_on_the_parameters()
    {
        foreach (var config in new[] { MiniModelConfig.Tiny, MiniModelConfig.Preset("tok4-w96-l4") })
        {
            using var model = MiniModel.Create(config);
            Assert.InRange(config.MinimumParameterCount(), 0.8 * model.ParameterCount, model.ParameterCount);
        }
    }

    [Theory]
    [InlineData("\"format_version\": 1", "\"format_version\": \"1\"", "unsupported format_version")]
    [InlineData("\"format_version\": 1", "\"format_version\": [1]", "unsupported format_version")]
    [InlineData("\"format\": \"rhymeflow-mini\"", "\"format\": \"\\ud800\"", "not a rhymeflow-mini package")]
    [InlineData("\"note\": \"x\"", "\"note\": \"\\ud800\"", "metadata 'note' is not text")]
    [InlineData("\"note\": \"x\"", "\"note\": \"x\", \"note\": \"y\"", "the object in 'metadata' declares 'note' twice")]
    public void ReadConfig_refuses_mistyped_fields_naming_the_file(string field, string replacement, string expected)
    {
        using var folder = new TempDirectory();
        var package = Path.Combine(folder.Path, "pkg");
        using (var model = MiniModel.Create(MiniModelConfig.Tiny))
        {
            model.Save(package, metadata: new Dictionary<string, string> { ["note"] = "x" });
        }

        var configPath = Path.Combine(package, MiniModel.ConfigFile);
        var text = File.ReadAllText(configPath);
        Assert.Contains(field, text, StringComparison.Ordinal);
        File.WriteAllText(configPath, text.Replace(field, replacement, StringComparison.Ordinal));
        var error = Assert.Throws<InvalidDataException>(() => MiniModel.ReadConfig(configPath));
        Assert.StartsWith(configPath, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_shipped_package_is_found_from_the_build_output()
    {
        Assert.True(File.Exists(Path.Combine(MiniModel.DefaultDirectory, MiniModel.WeightsFile)), $"no weights under {MiniModel.DefaultDirectory}");
        Assert.EndsWith(MiniModel.DefaultRelativeDirectory, MiniModel.DefaultDirectory, StringComparison.Ordinal);
    }

    [Fact]
    public void Preset_names_every_choice_when_the_name_is_unknown()
    {
        var error = Assert.Throws<ArgumentException>(() => MiniModelConfig.Preset("huge"));
        Assert.All(MiniModelConfig.PresetNames, name => Assert.Contains(name, error.Message));
        Assert.Equal(MiniModelConfig.Mini, MiniModelConfig.Preset("MINI"));
    }
}
