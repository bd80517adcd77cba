using System.Diagnostics;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using RhymeFlow.Core;
using RhymeFlow.Host.Acceleration;
using RhymeFlow.Host.Acceleration.AsymRnR;
using RhymeFlow.Host.Acceleration.StepCaching;
using RhymeFlow.Host.Models;
using RhymeFlow.Host.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Execution;

/// <summary>
/// Turns a declarative schedule into video latents on any video transformer family behind
/// <see cref="IVideoTransformer"/> (Wan, HunyuanVideo, CogVideoX): warm-up, keyframe selection from the clean
/// estimate, then the plan's full, keyframe-only and correction evaluations.
/// </summary>
/// <remarks>
/// Each run executes on a dedicated thread (TorchSharp's dispose scopes and grad mode are
/// thread-local). Events are delivered on that thread; see <see cref="EvaluationCompleted"/> for
/// how long their latents can be read.
/// </remarks>
public sealed class VideoDenoiser
{
    private readonly IVideoTransformer _model;
    private readonly DenoiseOptions _options;

    public VideoDenoiser(IVideoTransformer model, DenoiseOptions? options = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _options = options ?? DenoiseOptions.Default;
    }

    /// <summary>
    /// A cold observable: each subscription starts a run. Disposing the subscription cancels it at
    /// the next evaluation and releases its device memory; failures arrive as OnError.
    /// </summary>
    public IObservable<DenoiseEvent> Denoise(DenoiseRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Observable.Create<DenoiseEvent>(observer =>
        {
            var cancellation = new CancellationTokenSource();
            var gate = new Lock();
            var thread = new Thread(() =>
            {
                VideoLatents? result;
                try
                {
                    result = Run(request, observer.OnNext, cancellation.Token);
                }
                catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception error)
                {
                    observer.OnError(error);
                    return;
                }

                // Unsubscribing and delivering the result exclude each other, so the result always has an owner.
                lock (gate)
                {
                    if (cancellation.IsCancellationRequested)
                    {
                        result.Dispose();
                        return;
                    }

                    observer.OnNext(new DenoiseCompleted(result));
                    observer.OnCompleted();
                }
            })
            {
                IsBackground = true,
                Name = "RhymeFlow denoiser",
            };
            thread.Start();
            return Disposable.Create(() =>
            {
                lock (gate)
                {
                    cancellation.Cancel();
                }
            });
        });
    }

    /// <summary>Runs to completion; <paramref name="progress"/> receives every event on the compute thread.</summary>
    public Task<VideoLatents> GenerateAsync(DenoiseRequest request, IProgress<DenoiseEvent>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var completion = new TaskCompletionSource<VideoLatents>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                completion.SetResult(Run(request, e => progress?.Report(e), cancellationToken));
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
            Name = "RhymeFlow denoiser",
        };
        thread.Start();
        return completion.Task;
    }

    /// <summary>Runs on the calling thread. The caller owns the result.</summary>
    internal VideoLatents Run(
        DenoiseRequest request,
        Action<EvaluationCompleted> emit,
        CancellationToken cancellationToken,
        Action<EvaluationView, Tensor>? observeProjected = null)
    {
        var traits = _model.Traits;
        request.Validate(traits.TextDim, traits.LatentChannels);
        request.CheckFamily(traits);
        var clock = Stopwatch.StartNew();
        using var grad = no_grad();
        var layout = Layout(request);
        var frames = (int)request.InitialNoise.shape[2] / layout.LatentFramesPerFrame;
        var prepared = request.Schedule.Prepare(frames);
        var preview = prepared.Preview();
        request.Reduction?.CheckFits(traits.BlockCount, preview.Steps);
        request.CheckStepCacheFits(prepared, preview);
        var ladder = Ladder(request, preview);
        var plan = prepared.NeedsKeyframes ? null : preview;
        var evaluations = plan?.Evaluations ?? prepared.Warmup;
        var total = preview.Evaluations.Count;
        var contextKind = ChooseContext(request, preview);
        var keyframeEuler = request.Schedule.Coupling == CouplingKind.KeyframeEuler;

        // Disposed last: the matchings it caches live for the whole run, and go on cancel or failure as well.
        using var reduction = request.Reduction is null ? null : new AsymRnRRun(request.Reduction);
        var attention = (ISelfAttentionPolicy?)reduction ?? request.AttentionPolicy;

        // Its cached residuals live for the whole run and go with it, on cancel or failure as well.
        using var stepCache = request.StepCache is null ? null : new StepCacheRun(request.StepCache, preview.Steps, traits.BlockCount);
        using var model = new GuidedVelocity(_model, request.Prompt, request.Guidance, request.BatchSize, attention, stepCache, layout);
        using var stepping = CreateStepping(request, ladder, preview, layout);
        using var execution = new PlanExecution(model, stepping, layout, ladder, request.InitialNoise, _model.Device, contextKind, keyframeEuler)
        {
            ProjectedObserver = observeProjected,
        };

        if (prepared.NeedsKeyframes && request.Keyframes is { } chosen)
        {
            plan = prepared.Complete([.. chosen]);
            evaluations = plan.Evaluations;
            total = evaluations.Count;
        }
        else if (prepared.NeedsKeyframes && prepared.SelectAfterEvaluation < 0)
        {
            plan = prepared.Complete(KeyframeSignatures.Select(prepared, execution.PlanLatents));
            evaluations = plan.Evaluations;
            total = evaluations.Count;
        }

        IReadOnlyList<int> keyframes = plan?.Keyframes ?? [];
        for (var i = 0; i < evaluations.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var evaluation = evaluations[i];
            var started = clock.Elapsed;
            var selectHere = plan is null && evaluation.Index == prepared.SelectAfterEvaluation;
            using (var clean = execution.Execute(evaluation, selectHere))
            {
                if (selectHere)
                {
                    plan = prepared.Complete(KeyframeSignatures.Select(prepared, clean!));
                    evaluations = plan.Evaluations;
                    keyframes = plan.Keyframes;
                    total = evaluations.Count;
                }
            }

            var projected = evaluation.Transitions
                .Select((t, f) => (t, f)).Where(p => p.t.Kind == TransitionKind.Projected).Select(p => p.f).ToArray();
            var completed = new EvaluationCompleted(evaluation, total, projected, keyframes, clock.Elapsed - started, clock.Elapsed, execution.Latents);
            try
            {
                emit(completed);
            }
            finally
            {
                completed.Expire();
            }
        }

        var latents = execution.Latents.alias().DetachFromDisposeScope();
        return new VideoLatents(latents, plan ?? preview, clock.Elapsed, execution.PeakContextBytes) { CacheTrace = stepCache?.Trace() };
    }

    /// <summary>
    /// The ladder's arithmetic: a flow solver for flow-velocity families; for v-predicting ones (CogVideoX), the VP
    /// schedule of the core's <see cref="SolverKind.Ddim"/> ladder (CogVideoX 5B's, the shift as its SNR shift) stepped
    /// by DDIM, or by DPM when <see cref="DenoiseRequest.VpSampler"/> says so.
    /// </summary>
    private IPlanStepping CreateStepping(DenoiseRequest request, SamplingLadder ladder, PlanView preview, PlanLayout layout)
    {
        var solver = request.Schedule.Solver;
        if (_model.Traits.Prediction == VideoPrediction.FlowVelocity)
        {
            IFlowSolver flow = solver switch
            {
                SolverKind.Euler => new FlowEulerSolver(ladder.Sigmas),
                SolverKind.UniPC => new UniPcSolver(ladder.Sigmas),
                SolverKind.Ddim => throw new NotSupportedException(
                    $"{_model.Traits.Family} predicts flow velocity; {solver} steps v-predictions on a VP schedule (CogVideoX). Use Euler or UniPC."),
                _ => throw new ArgumentOutOfRangeException(nameof(request), solver, "Unknown solver."),
            };
            return new FlowPlanStepping(flow, _model.Device);
        }

        var schedule = VpSchedule.Create(VpScheduleConfig.CogVideoX5B with { SnrShiftScale = request.Schedule.Shift }, preview.Steps);
        var vp = (request.VpSampler ?? VpSampler.Ddim).CreateSolver(schedule);
        try
        {
            return new VpPlanStepping(vp, preview, layout, _model.Device, request.Schedule.Projection);
        }
        catch
        {
            vp.Dispose();
            throw;
        }
    }

    /// <summary>
    /// How plan frames lie in the latents: the family's temporal tokens. The latent frame count must be a whole number
    /// of them (CogVideoX's pipeline pads its latents to one).
    /// </summary>
    private PlanLayout Layout(DenoiseRequest request)
    {
        var latents = request.InitialNoise;
        var layout = _model.FrameLayout((int)latents.shape[3], (int)latents.shape[4]);
        var pt = layout.LatentFramesPerFrame;
        if (latents.shape[2] % pt != 0)
        {
            throw new ArgumentException(
                $"{nameof(request.InitialNoise)} has {latents.shape[2]} latent frames; {_model.Traits.Family} groups {pt} latent frames into each temporal token (a plan frame), so the count must be a multiple of {pt}. "
                + $"Pad the noise by {pt - (latents.shape[2] % pt)} leading frames as the pipeline does, and drop them from the result.",
                nameof(request));
        }

        return new PlanLayout(pt);
    }

    /// <summary>
    /// The ladder the run steps on: the plan's, or the family's own. Projection weights are the plan's, so a plan with
    /// projected frames runs on a family's own ladder only when the core compiled it on that ladder (its spacing).
    /// </summary>
    private SamplingLadder Ladder(DenoiseRequest request, PlanView preview)
    {
        var own = _model.Ladder(request.Schedule.Solver, request.Schedule.Shift, preview.Steps);
        if (own is null)
        {
            return new SamplingLadder(preview.Sigmas, preview.Timesteps);
        }

        // The fixtures' table tolerance: the core computes a pipeline's ladder as diffusers does, to the bit.
        var same = own.Sigmas.Count == preview.Sigmas.Count && own.Sigmas.Zip(preview.Sigmas).All(p => Math.Abs(p.First - p.Second) <= 1e-6);
        if (!same && preview.Evaluations.Any(e => e.Transitions.Any(t => t.Kind == TransitionKind.Projected)))
        {
            throw new NotSupportedException(
                $"{_model.Traits.Family} samples on its own sigma ladder, and the plan was compiled on another ({request.Schedule.Spacing} spacing), so its projection weights of non-keyframes would be another ladder's. "
                + $"Compile the plan on the family's ladder (spacing {SpacingKind.Linspace}: \"spacing\": \"linspace\" in the schedule JSON), or run a plan without projected frames.");
        }

        return own;
    }

    private ContextKind ChooseContext(DenoiseRequest request, PlanView preview)
    {
        var preferred = request.Schedule.Context switch
        {
            ContextKind.LayerHiddenDevice => ContextKind.LayerHiddenDevice,
            ContextKind.LayerHiddenHost => ContextKind.LayerHiddenHost,
            _ => ContextKind.LayerKv,
        };
        if (_options.ContextBudgetBytes is not { } budget || preferred == ContextKind.LayerHiddenHost)
        {
            return preferred;
        }

        // K/V take twice the bytes of hidden states; the host keeps whatever does not fit.
        var predicted = preview.Cost(ModelGeometry.Of(_model, request)).PeakContextBytes;
        var keyValueBytes = request.Schedule.Context == ContextKind.LayerKv ? predicted : 2 * predicted;
        if (preferred == ContextKind.LayerKv && keyValueBytes <= budget)
        {
            return ContextKind.LayerKv;
        }

        return keyValueBytes / 2 <= budget ? ContextKind.LayerHiddenDevice : ContextKind.LayerHiddenHost;
    }
}
