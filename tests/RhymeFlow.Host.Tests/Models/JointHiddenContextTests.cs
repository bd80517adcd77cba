using RhymeFlow.Core;
using RhymeFlow.Host.Acceleration.AsymRnR;
using RhymeFlow.Host.Execution;
using RhymeFlow.Host.Models;
using RhymeFlow.Host.Models.CogVideoX;
using RhymeFlow.Host.Models.HunyuanVideo;
using RhymeFlow.Host.Tests.Execution;
using RhymeFlow.Host.Tests.Models.CogVideoX;
using RhymeFlow.Host.Tests.Models.HunyuanVideo;
using Xunit.Abstractions;

namespace RhymeFlow.Host.Tests.Models;

/// <summary>
/// The hidden-state contexts (<see cref="ContextKind.LayerHiddenDevice"/>, <see cref="ContextKind.LayerHiddenHost"/>)
/// of the joint-attention families on their tiny fixtures: the recorded block inputs, turned back into K/V by each
/// block's own key/value path at the recording's conditioning, must stand in for the recorded K/V
/// (<see cref="ContextKind.LayerKv"/>), which <c>CogVideoXActiveTokensTests</c> and <c>HunyuanVideoKeyframeTests</c>
/// check against plain references.
/// </summary>
public sealed class JointHiddenContextTests(ITestOutputHelper output)
{
    /// <summary>
    /// Relative L2 error allowed between a hidden-state run and the LayerKv run: the recomputed K/V differ from the
    /// recorded ones only by float32 rounding (the projections run on the video rows alone rather than on the whole
    /// joint sequence, which may order the sums differently).
    /// </summary>
    private const double Tolerance = 1e-5;

    private static readonly ContextKind[] HiddenStorages = [ContextKind.LayerHiddenDevice, ContextKind.LayerHiddenHost];

    private static readonly AttentionReduction Reduction = AttentionReduction.Uniform(0.5, 0.3);

    // CogVideoX: four plan frames (eight latent frames of 8 × 12), keyframes 0 and 2, groups of three steps.
    private static readonly int[] CogVideoXKeyframes = [0, 2];

    [Theory]
    [InlineData("cogvideox-tiny.case.safetensors")]
    [InlineData("cogvideox-tiny-batch2.case.safetensors")]
    public void CogVideoXKeyframeOnlyForwardsOnHiddenStatesEqualTheLayerKvOne(string caseFile)
    {
        using var model = CogVideoXTiny.Load();
        var inputs = CogVideoXTiny.ReadCase(caseFile);
        var (recordedState, recordedTimestep, text) = (inputs["hidden_states"], inputs["timestep"], inputs["encoder_hidden_states"]);

        // The keyframe (temporal token 0) moves on to another timestep; token 1 stays as recorded. A recomputation at
        // the current timestep instead of the recording's would not give the recorded K/V.
        using var generator = new Generator(5);
        using var noise = randn(recordedState.narrow(1, 0, 2).shape, generator: generator);
        using var step = 0.3.ToScalar();
        using var movedKeyframe = recordedState.narrow(1, 0, 2).add(noise, step);
        using var timestep = tensor(Enumerable.Repeat(600f, (int)recordedState.shape[0]).ToArray());

        Tensor Active(ContextKind storage)
        {
            var (prediction, context) = model.ForwardRecording(recordedState, recordedTimestep, text, [1], storage: storage);
            prediction.Dispose();
            using (context)
            {
                Assert.Equal(storage, context.Storage);
                return model.ForwardActive(movedKeyframe, [0], timestep, text, context);
            }
        }

        using var keyValue = Active(ContextKind.LayerKv);
        using var plain = model.Forward(cat([movedKeyframe, recordedState.narrow(1, 2, 2)], 1), timestep, text);
        using var plainKeyframe = plain.narrow(1, 0, 2);
        Assert.True(CogVideoXTiny.RelativeError(keyValue, plainKeyframe) > 1e-4, "the context must be stale for the comparison to mean anything");
        foreach (var storage in HiddenStorages)
        {
            using var hidden = Active(storage);
            var (relative, maxAbs) = Errors(hidden, keyValue);
            output.WriteLine($"CogVideoX {caseFile}, {storage}: keyframe-only prediction against LayerKv: relative L2 {relative:E3}, max abs {maxAbs:E3}");
            Assert.True(relative < Tolerance, $"{storage}: relative error {relative:E3}");
        }

        CogVideoXTiny.DisposeAll(inputs);
    }

    [Fact]
    public void InBf16CogVideoXHiddenStatesCostOneRoundingNoLargerThanTheModelsOwn()
    {
        // CogVideoX's residual stream is float32 and the hidden states are stored in the model dtype, so in bf16 the
        // recomputed K/V start from a rounded block input. That rounding must stay within what bf16 does to the model
        // anyway: the bf16 LayerKv prediction's distance from the float32 one.
        var inputs = CogVideoXTiny.ReadCase("cogvideox-tiny.case.safetensors");
        var (latents, timestep, text) = (inputs["hidden_states"], inputs["timestep"], inputs["encoder_hidden_states"]);
        Tensor Active(CogVideoXTransformer model, ContextKind storage)
        {
            var (prediction, context) = model.ForwardRecording(latents, timestep, text, [1], storage: storage);
            prediction.Dispose();
            using (context)
            {
                using var keyframe = latents.narrow(1, 0, 2);
                return model.ForwardActive(keyframe, [0], timestep, text, context).to(ScalarType.Float32);
            }
        }

        using var float32 = CogVideoXTiny.Load();
        using var bf16 = CogVideoXTiny.Load(ScalarType.BFloat16);
        using var reference = Active(float32, ContextKind.LayerKv);
        using var keyValue = Active(bf16, ContextKind.LayerKv);
        using var hidden = Active(bf16, ContextKind.LayerHiddenDevice);
        var (modelError, _) = Errors(keyValue, reference);
        var (relative, maxAbs) = Errors(hidden, keyValue);
        output.WriteLine($"CogVideoX bf16, LayerHiddenDevice against LayerKv: relative L2 {relative:E3}, max abs {maxAbs:E3}; bf16 LayerKv against float32: relative L2 {modelError:E3}");
        Assert.True(relative <= modelError, $"relative error {relative:E3} exceeds bf16's own {modelError:E3}");
        CogVideoXTiny.DisposeAll(inputs);
    }

    [Fact]
    public void HunyuanVideoKeyframeOnlyForwardsOnHiddenStatesEqualTheLayerKvOne()
    {
        using var model = HunyuanVideoTiny.Load();
        var inputs = HunyuanVideoTiny.ReadCase("hunyuanvideo-tiny.case.safetensors");
        var prompt = HunyuanVideoTiny.Prompt(inputs);
        var (recordedState, guidance) = (inputs["hidden_states"], inputs["guidance"]);
        int[] keyframes = [0, 2];
        using var keyIndex = tensor(keyframes.Select(f => (long)f).ToArray());
        using var generator = new Generator(7);
        using var step = 0.3.ToScalar();
        using var noise = randn(recordedState.shape, generator: generator);
        using var movedKeyframes = recordedState.index_select(2, keyIndex).add(noise.index_select(2, keyIndex), step);
        using var timestep = tensor(new[] { 800f });

        Tensor Active(ContextKind storage)
        {
            var (velocity, context) = model.ForwardRecording(recordedState, inputs["timestep"], prompt, guidance, [1], storage: storage);
            velocity.Dispose();
            using (context)
            {
                Assert.Equal(storage, context.Storage);
                Assert.Equal(model.BlockCount, context.LayerCount);
                return model.ForwardActive(movedKeyframes, keyframes, timestep, prompt, guidance, context);
            }
        }

        using var keyValue = Active(ContextKind.LayerKv);
        using var current = recordedState.index_copy(2, keyIndex, movedKeyframes);
        using var plain = model.Forward(current, timestep, prompt, guidance);
        using var plainKeyframes = plain.index_select(2, keyIndex);
        Assert.True(HunyuanVideoTiny.RelativeError(keyValue, plainKeyframes) > 1e-4, "the context must be stale for the comparison to mean anything");
        foreach (var storage in HiddenStorages)
        {
            using var hidden = Active(storage);
            var (relative, maxAbs) = Errors(hidden, keyValue);
            output.WriteLine($"HunyuanVideo, {storage}: keyframe-only velocity against LayerKv: relative L2 {relative:E3}, max abs {maxAbs:E3}");
            Assert.True(relative < Tolerance, $"{storage}: relative error {relative:E3}");
        }

        HunyuanVideoTiny.DisposeAll(inputs);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(4.0)] // CFG: two rows recorded
    public void CogVideoXGroupedRunsOnHiddenStatesEqualTheLayerKvRun(double guidance)
    {
        using var model = CogVideoXTiny.Load();
        var loop = CogVideoXTiny.ReadCase("cogvideox-tiny.loop.safetensors");
        using var noise = CogVideoXNoise();
        using var negative = ones_like(loop["encoder_hidden_states"]);
        CompareGroupedRuns(
            model,
            storage => CogVideoXRequest(loop, noise, storage) with { Guidance = guidance, NegativeEmbeddings = guidance == 1 ? null : negative },
            $"CogVideoX, guidance {guidance}");
        CogVideoXTiny.DisposeAll(loop);
    }

    [Fact]
    public void HunyuanVideoGroupedRunsOnHiddenStatesEqualTheLayerKvRun()
    {
        using var model = HunyuanVideoTiny.Load();
        var loop = HunyuanVideoTiny.ReadCase("hunyuanvideo-tiny.loop.safetensors");
        CompareGroupedRuns(model, storage => HunyuanVideoRequest(loop, storage), "HunyuanVideo");
        HunyuanVideoTiny.DisposeAll(loop);
    }

    // Wan takes a reduction with every storage: the recorded hidden states are never reduced, and the recomputed K/V
    // join the reduced attention as the recorded K/V do. The host storage differs from the device one only in where the
    // states wait, so one of them is run here.
    [Fact]
    public void CogVideoXAsymRnRRunsOnHiddenStatesAsOnLayerKv()
    {
        using var model = CogVideoXTiny.Load();
        var loop = CogVideoXTiny.ReadCase("cogvideox-tiny.loop.safetensors");
        using var noise = CogVideoXNoise();
        CompareGroupedRuns(
            model,
            storage => CogVideoXRequest(loop, noise, storage) with { Reduction = Reduction },
            "CogVideoX, AsymRnR Q 0.5 / KV 0.3",
            [ContextKind.LayerHiddenHost]);
        CogVideoXTiny.DisposeAll(loop);
    }

    [Fact]
    public void HunyuanVideoAsymRnRRunsOnHiddenStatesAsOnLayerKv()
    {
        using var model = HunyuanVideoTiny.Load();
        var loop = HunyuanVideoTiny.ReadCase("hunyuanvideo-tiny.loop.safetensors");
        CompareGroupedRuns(model, storage => HunyuanVideoRequest(loop, storage) with { Reduction = Reduction }, "HunyuanVideo, AsymRnR Q 0.5 / KV 0.3", [ContextKind.LayerHiddenHost]);
        HunyuanVideoTiny.DisposeAll(loop);
    }

    [Fact]
    public void CogVideoXContextsHoldWhatTheirStorageSaysWhereItSays()
    {
        using var model = CogVideoXTiny.Load();
        var inputs = CogVideoXTiny.ReadCase("cogvideox-tiny-batch2.case.safetensors");
        var (latents, timestep, text) = (inputs["hidden_states"], inputs["timestep"], inputs["encoder_hidden_states"]);
        var rows = latents.shape[0];
        var tokens = model.TokensPerTemporalToken((int)latents.shape[3], (int)latents.shape[4]);
        var config = model.Config;

        // float32 model: the hidden states of one recorded temporal token in every block, and the timestep embedding.
        var hiddenBytes = (long)config.NumLayers * rows * tokens * config.InnerDim * sizeof(float);
        var conditioningBytes = rows * config.TimeEmbedDim * sizeof(float);
        CheckStorages(
            storage => model.ForwardRecording(latents, timestep, text, [1], storage: storage),
            config.NumLayers,
            [rows, tokens, config.InnerDim],
            hiddenBytes,
            conditioningBytes);
        CogVideoXTiny.DisposeAll(inputs);
    }

    [Fact]
    public void HunyuanVideoContextsHoldWhatTheirStorageSaysWhereItSays()
    {
        using var model = HunyuanVideoTiny.Load();
        var inputs = HunyuanVideoTiny.ReadCase("hunyuanvideo-tiny.case.safetensors");
        var prompt = HunyuanVideoTiny.Prompt(inputs);
        var latents = inputs["hidden_states"];
        var rows = latents.shape[0];
        var tokens = latents.shape[3] / model.Config.PatchSize * (latents.shape[4] / model.Config.PatchSize);
        var hiddenBytes = model.BlockCount * rows * tokens * model.Config.InnerDim * sizeof(float);
        var conditioningBytes = rows * model.Config.InnerDim * sizeof(float);
        CheckStorages(
            storage => model.ForwardRecording(latents, inputs["timestep"], prompt, inputs["guidance"], [1], storage: storage),
            model.BlockCount,
            [rows, tokens, model.Config.InnerDim],
            hiddenBytes,
            conditioningBytes);
        HunyuanVideoTiny.DisposeAll(inputs);
    }

    // The lifecycle checks run the host storage to completion (its states move between the devices) and cancel a
    // device-storage run; each check alone takes a few seconds on the fixtures.
    [Fact]
    public void CogVideoXCompletedRunsOnHostHiddenStatesLeaveOnlyTheirResult()
    {
        var loop = CogVideoXTiny.ReadCase("cogvideox-tiny.loop.safetensors");
        using var model = CogVideoXTiny.Load();
        using var noise = CogVideoXNoise();
        DenoiserLifecycleChecks.CompletedRunsLeaveOnlyTheirResult(model, () => CogVideoXRequest(loop, noise, ContextKind.LayerHiddenHost));
        CogVideoXTiny.DisposeAll(loop);
    }

    [Fact]
    public void CancellingACogVideoXRunOnDeviceHiddenStatesLeavesNoLiveTensors()
    {
        var loop = CogVideoXTiny.ReadCase("cogvideox-tiny.loop.safetensors");
        using var model = CogVideoXTiny.Load();
        using var noise = CogVideoXNoise();
        DenoiserLifecycleChecks.CancellingMidRunLeavesNoLiveTensors(model, () => CogVideoXRequest(loop, noise, ContextKind.LayerHiddenDevice));
        CogVideoXTiny.DisposeAll(loop);
    }

    [Fact]
    public void HunyuanVideoCompletedRunsOnHostHiddenStatesLeaveOnlyTheirResult()
    {
        var loop = HunyuanVideoTiny.ReadCase("hunyuanvideo-tiny.loop.safetensors");
        using var model = HunyuanVideoTiny.Load();
        DenoiserLifecycleChecks.CompletedRunsLeaveOnlyTheirResult(model, () => HunyuanVideoRequest(loop, ContextKind.LayerHiddenHost));
        HunyuanVideoTiny.DisposeAll(loop);
    }

    [Fact]
    public void CancellingAHunyuanVideoRunOnDeviceHiddenStatesLeavesNoLiveTensors()
    {
        var loop = HunyuanVideoTiny.ReadCase("hunyuanvideo-tiny.loop.safetensors");
        using var model = HunyuanVideoTiny.Load();
        DenoiserLifecycleChecks.CancellingMidRunLeavesNoLiveTensors(model, () => HunyuanVideoRequest(loop, ContextKind.LayerHiddenDevice));
        HunyuanVideoTiny.DisposeAll(loop);
    }

    /// <summary>Runs the request with LayerKv and with each hidden storage; the hidden-state runs must equal the LayerKv run.</summary>
    private void CompareGroupedRuns(IVideoTransformer model, Func<ContextKind, DenoiseRequest> request, string what, ContextKind[]? storages = null)
    {
        var denoiser = new VideoDenoiser(model);
        using var keyValue = denoiser.Run(request(ContextKind.LayerKv), _ => { }, CancellationToken.None);
        Assert.Contains(keyValue.Plan.Evaluations, e => e.Kind == EvaluationKindView.Active);
        Assert.True(keyValue.ContextBytes > 0, "the LayerKv run must have recorded a context");
        foreach (var storage in storages ?? HiddenStorages)
        {
            using var hidden = denoiser.Run(request(storage), _ => { }, CancellationToken.None);
            var (relative, maxAbs) = Errors(hidden.Latents, keyValue.Latents);
            output.WriteLine(
                $"{what}, {storage}: final latents against the LayerKv run: relative L2 {relative:E3}, max abs {maxAbs:E3}; peak context {hidden.ContextBytes} B (LayerKv {keyValue.ContextBytes} B)");
            Assert.True(relative < Tolerance, $"{what}, {storage}: relative error {relative:E3}");
            Assert.InRange(hidden.ContextBytes, 1, keyValue.ContextBytes - 1);
        }
    }

    /// <summary>
    /// Records with each storage and checks where every tensor lives and what the context reports: the hidden
    /// states of the host storage on the CPU and counted as host bytes; the device storage's and the conditioning on
    /// the model's device; K/V twice the hidden states' bytes.
    /// </summary>
    private void CheckStorages(Func<ContextKind, (Tensor, JointFrameContext)> record, int layers, long[] hiddenShape, long hiddenBytes, long conditioningBytes)
    {
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var (kvPrediction, keyValue) = record(ContextKind.LayerKv);
        kvPrediction.Dispose();
        using (keyValue)
        {
            Assert.Equal(2 * hiddenBytes, keyValue.SizeBytes);
            Assert.Equal(keyValue.SizeBytes, keyValue.DeviceSizeBytes);
            Assert.Equal(0, keyValue.HostSizeBytes);
            Assert.Throws<InvalidOperationException>(() => keyValue.Hidden(0));
        }

        foreach (var storage in HiddenStorages)
        {
            var (prediction, context) = record(storage);
            prediction.Dispose();
            using (context)
            {
                Assert.Equal(layers, context.LayerCount);
                Assert.Equal(hiddenBytes + conditioningBytes, context.SizeBytes);
                var onHost = storage == ContextKind.LayerHiddenHost;
                Assert.Equal(onHost ? hiddenBytes : 0, context.HostSizeBytes);
                Assert.Equal(onHost ? conditioningBytes : hiddenBytes + conditioningBytes, context.DeviceSizeBytes);
                Assert.Equal(DeviceType.CPU, context.Conditioning.device_type); // the fixture model's device
                for (var layer = 0; layer < layers; layer++)
                {
                    var states = context.Hidden(layer);
                    Assert.Equal(hiddenShape, states.shape);
                    Assert.Equal(DeviceType.CPU, states.device_type);
                }

                Assert.Throws<InvalidOperationException>(() => context.KeyValue(0));
                output.WriteLine($"{storage}: {context.SizeBytes} B, of which {context.HostSizeBytes} B on the host, {context.DeviceSizeBytes} B on the device (LayerKv {2 * hiddenBytes} B)");
            }

            Assert.Throws<ObjectDisposedException>(() => context.Hidden(0));
        }

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    private static (double Relative, double MaxAbs) Errors(Tensor actual, Tensor expected)
    {
        using var scope = NewDisposeScope();
        var difference = actual.to(ScalarType.Float64).sub(expected.to(ScalarType.Float64));
        return (difference.norm().item<double>() / expected.to(ScalarType.Float64).norm().item<double>(), difference.abs().max().item<double>());
    }

    /// <summary>Keyframes 0 and 2 of four plan frames, groups of three steps after two warm-up steps, no guidance.</summary>
    private static DenoiseRequest CogVideoXRequest(Dictionary<string, Tensor> loop, Tensor noise, ContextKind storage) =>
        new(
            loop["encoder_hidden_states"],
            noise,
            Schedules.RhymeFlow(steps: 10, warmupSteps: 2, keyframes: 2, minSkip: 3, maxSkip: 3, progressive: false, solver: SolverKind.Ddim, shift: 1, context: storage),
            Guidance: 1)
        {
            Keyframes = CogVideoXKeyframes,
        };

    /// <summary>Eight latent frames (four plan frames) of seeded noise at the fixture's 8 × 12, the executor's layout.</summary>
    private static Tensor CogVideoXNoise()
    {
        using var generator = new Generator(11);
        return randn([1, 4, 8, 8, 12], generator: generator);
    }

    /// <summary>Keyframe 1 of the fixture's three frames on the pipeline's ladder, embedded guidance 6.</summary>
    private static DenoiseRequest HunyuanVideoRequest(Dictionary<string, Tensor> loop, ContextKind storage) =>
        new(
            loop["encoder_hidden_states"],
            loop["noise"],
            Schedules.RhymeFlow(steps: 10, warmupSteps: 2, keyframes: 1, minSkip: 3, maxSkip: 4, solver: SolverKind.Euler, shift: 7, spacing: SpacingKind.Linspace, context: storage),
            Guidance: 6)
        {
            PromptAttentionMask = loop["encoder_attention_mask"],
            PooledPromptEmbeddings = loop["pooled_projections"],
            Keyframes = [1],
        };
}
