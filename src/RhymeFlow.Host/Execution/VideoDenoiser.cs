using System.Diagnostics;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using RhymeFlow.Core;
using RhymeFlow.Host.Acceleration;
using RhymeFlow.Host.Acceleration.AsymRnR;
using RhymeFlow.Host.Acceleration.StepCaching;
using RhymeFlow.Host.Models.Wan;
using RhymeFlow.Host.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Execution;

/// <summary>
/// Turns a declarative schedule into video latents on a Wan model: warm-up, keyframe selection from
/// the clean estimate, then the plan's full, keyframe-only and correction evaluations.
/// </summary>
/// <remarks>
/// Each run executes on a dedicated thread (TorchSharp's dispose scopes and grad mode are
/// thread-local). Events are delivered on that thread; see <see cref="EvaluationCompleted"/> for
/// how long their latents can be read.
/// </remarks>
public sealed class VideoDenoiser
{
    private readonly WanTransformer _model;
    private readonly DenoiseOptions _options;

    public VideoDenoiser(WanTransformer model, DenoiseOptions? options = null)
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
        request.Validate(_model.Config.TextDim, _model.Config.InChannels);
        var clock = Stopwatch.StartNew();
        using var grad = no_grad();
        var frames = (int)request.InitialNoise.shape[2];
        var prepared = request.Schedule.Prepare(frames);
        var preview = prepared.Preview();
        request.Reduction?.CheckFits(_model.Config.NumLayers, preview.Steps);
        request.CheckStepCacheFits(prepared, preview);
        var plan = prepared.NeedsKeyframes ? null : preview;
        var evaluations = plan?.Evaluations ?? prepared.Warmup;
        var total = preview.Evaluations.Count;
        var contextKind = ChooseContext(request, preview);
        var keyframeEuler = request.Schedule.Coupling == CouplingKind.KeyframeEuler;

        // Disposed last: the matchings it caches live for the whole run, and go on cancel or failure as well.
        using var reduction = request.Reduction is null ? null : new AsymRnRRun(request.Reduction);
        var attention = (ISelfAttentionPolicy?)reduction ?? request.AttentionPolicy;

        // Its cached residuals live for the whole run and go with it, on cancel or failure as well.
        using var stepCache = request.StepCache is null ? null : new StepCacheRun(request.StepCache, preview.Steps, _model.Config.NumLayers);
        using var model = new GuidedVelocity(_model, request.PromptEmbeddings, request.NegativeEmbeddings, request.Guidance, request.BatchSize, attention, stepCache);
        using var solver = CreateSolver(request.Schedule.Solver, preview.Sigmas);
        using var execution = new PlanExecution(model, solver, request.InitialNoise, _model.Device, contextKind, keyframeEuler)
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
            plan = prepared.Complete(KeyframeSignatures.Select(prepared, execution.Latents));
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

    private static IFlowSolver CreateSolver(SolverKind kind, IReadOnlyList<double> sigmas) => kind switch
    {
        SolverKind.Euler => new FlowEulerSolver(sigmas),
        SolverKind.UniPC => new UniPcSolver(sigmas),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown solver."),
    };

    private WanContextKind ChooseContext(DenoiseRequest request, PlanView preview)
    {
        var preferred = request.Schedule.Context switch
        {
            ContextKind.LayerHiddenDevice => WanContextKind.Hidden,
            ContextKind.LayerHiddenHost => WanContextKind.HiddenOnHost,
            _ => WanContextKind.KeyValue,
        };
        if (_options.ContextBudgetBytes is not { } budget || preferred == WanContextKind.HiddenOnHost)
        {
            return preferred;
        }

        // K/V take twice the bytes of hidden states; the host keeps whatever does not fit.
        var predicted = preview.Cost(ModelGeometry.Of(_model, request)).PeakContextBytes;
        var keyValueBytes = request.Schedule.Context == ContextKind.LayerKv ? predicted : 2 * predicted;
        if (preferred == WanContextKind.KeyValue && keyValueBytes <= budget)
        {
            return WanContextKind.KeyValue;
        }

        return keyValueBytes / 2 <= budget ? WanContextKind.Hidden : WanContextKind.HiddenOnHost;
    }
}
