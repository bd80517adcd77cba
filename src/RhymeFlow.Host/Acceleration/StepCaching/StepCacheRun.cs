using RhymeFlow.Core;
using RhymeFlow.Host.Models.Wan;
using RhymeFlow.Host.Runtime;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Acceleration.StepCaching;

/// <summary>
/// A step cache over one denoising run: gives each evaluation its <see cref="IBlockStackCache"/>, keeps the cached
/// residuals and the references the changes are measured against, and records the trace. Decisions are the core's
/// (<see cref="StepCachePolicies"/>): one per batch, from one state per row. Create one per run and dispose it when
/// the run ends (completed, cancelled or failed).
/// </summary>
/// <remarks>
/// Long-lived tensors are held outside dispose scopes and replaced explicitly, as <c>PlanExecution</c> does.
/// </remarks>
internal sealed class StepCacheRun : IDisposable
{
    private readonly int _steps;
    private readonly int _blocks;
    private readonly List<StepCacheStep> _trace = [];
    private StepCacheBatchState? _state;

    // TeaCache: the previous step's time projection (float32), whatever that step decided, as TeaCache4Wan2.1 keeps it.
    private Tensor? _previousInput;

    // First-block cache: block 0's residual at the last computed step (diffusers compares against that one).
    private Tensor? _firstResidual;

    // Block 0's residual of the evaluation in progress, which becomes _firstResidual if every block runs.
    private Tensor? _pendingFirstResidual;

    // What a reusing step adds: TeaCache to block 0's input, the first-block cache to block 0's output.
    private Tensor? _residual;

    // The whole stack's residual of the previous evaluation, when it ran every block (for OutputChange).
    private Tensor? _stackResidual;

    public StepCacheRun(StepCache settings, int steps, int blocks)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        Settings = settings;
        _steps = steps;
        _blocks = blocks;
    }

    public StepCache Settings { get; }

    /// <summary>The cache of the evaluation at sampling step <paramref name="step"/>.</summary>
    public IBlockStackCache ForStep(int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return new Evaluation(this, step);
    }

    /// <summary>The record so far.</summary>
    public StepCacheTrace Trace() => new(Settings, [.. _trace], _blocks);

    public void Dispose()
    {
        _previousInput?.Dispose();
        _firstResidual?.Dispose();
        _residual?.Dispose();
        _stackResidual?.Dispose();
        _pendingFirstResidual?.Dispose();
        (_previousInput, _firstResidual, _residual, _stackResidual, _pendingFirstResidual) = (null, null, null, null, null);
    }

    private StepCacheDecision Decide(int step, IReadOnlyList<double> changes)
    {
        _state ??= Settings switch
        {
            TeaCacheSettings tea => StepCachePolicies.TeaCache(tea.Threshold, tea.Coefficients, changes.Count),
            FirstBlockCacheSettings first => StepCachePolicies.FirstBlock(first.Threshold, changes.Count),
            _ => throw new InvalidOperationException($"{Settings} makes no decisions."),
        };
        if (_state.Rows != changes.Count)
        {
            throw new InvalidOperationException($"The step cache was started on {_state.Rows} rows; this evaluation has {changes.Count}.");
        }

        var decision = _state.Decide(step, _steps, [.. changes]);
        _state = decision.Next;
        return decision;
    }

    private static double[] Unknown(long rows) => [.. Enumerable.Repeat(double.NaN, (int)rows)];

    private static void Keep(ref Tensor? slot, Tensor value)
    {
        var kept = value.DetachFromDisposeScope();
        slot?.Dispose();
        slot = kept;
    }

    /// <summary>A reusing step: the next computed step has no stack residual of its predecessor to compare with.</summary>
    private void Reused(int step, int executed, double[] inputs, long rows)
    {
        _stackResidual?.Dispose();
        _stackResidual = null;
        Record(step, computed: false, executed, inputs, Unknown(rows));
    }

    private void Record(int step, bool computed, int executed, double[] inputs, double[] outputs) =>
        _trace.Add(new StepCacheStep(step, computed, executed, RelativeL1.MeanOfFinite(inputs), RelativeL1.MeanOfFinite(outputs))
        {
            RowInputChanges = inputs,
            RowOutputChanges = outputs,
        });

    /// <summary>One evaluation: decides once, before the blocks (TeaCache) or after block 0 (first-block cache).</summary>
    private sealed class Evaluation(StepCacheRun run, int step) : IBlockStackCache
    {
        private double[]? _inputChanges;

        public Tensor? BeforeBlocks(Tensor hidden, Tensor timeProjection)
        {
            if (run.Settings is FirstBlockCacheSettings)
            {
                return null;
            }

            using var scope = NewDisposeScope();
            var input = timeProjection.to(ScalarType.Float32);
            _inputChanges = run._previousInput is null ? Unknown(input.shape[0]) : RelativeL1.PerRow(input, run._previousInput);
            Keep(ref run._previousInput, input.clone());
            if (run.Settings is TeaCacheProbeSettings)
            {
                return null;
            }

            if (run.Decide(step, _inputChanges).Compute || run._residual is null)
            {
                return null;
            }

            run.Reused(step, executed: 0, _inputChanges, hidden.shape[0]);
            return hidden.add(run._residual, Scalars.One).MoveToOuterDisposeScope();
        }

        public Tensor? AfterFirstBlock(Tensor before, Tensor afterFirst)
        {
            if (run.Settings is not FirstBlockCacheSettings)
            {
                return null;
            }

            using var scope = NewDisposeScope();
            var residual = afterFirst.sub(before);
            _inputChanges = run._firstResidual is null ? Unknown(residual.shape[0]) : RelativeL1.PerRow(residual, run._firstResidual);
            if (run.Decide(step, _inputChanges).Compute || run._residual is null)
            {
                Keep(ref run._pendingFirstResidual, residual);
                return null;
            }

            run.Reused(step, executed: 1, _inputChanges, residual.shape[0]);
            return afterFirst.add(run._residual, Scalars.One).MoveToOuterDisposeScope();
        }

        public void AfterBlocks(Tensor before, Tensor afterFirst, Tensor after)
        {
            using var scope = NewDisposeScope();
            var stack = after.sub(before);
            var rows = stack.shape[0];
            var outputs = run._stackResidual is null ? Unknown(rows) : RelativeL1.PerRow(stack, run._stackResidual);
            if (run.Settings is FirstBlockCacheSettings)
            {
                Keep(ref run._residual, after.sub(afterFirst));
                if (run._pendingFirstResidual is { } first)
                {
                    run._pendingFirstResidual = null;
                    run._firstResidual?.Dispose();
                    run._firstResidual = first;
                }
            }
            else
            {
                Keep(ref run._residual, stack.alias());
            }

            Keep(ref run._stackResidual, stack);
            run.Record(step, computed: true, executed: run._blocks, _inputChanges ?? Unknown(rows), outputs);
        }
    }
}
