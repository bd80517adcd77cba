using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Sampling;

/// <summary>
/// UniPC multistep (order 2, B(h) = e^h - 1, data prediction) on flow sigmas, as Wan samples with
/// by default: a predictor from the last two data predictions and a corrector applied to each new
/// sample once the model has been evaluated there. The final step drops to order 1.
/// </summary>
/// <remarks>
/// The solver owns aliases of the tensors it keeps as history, outside any dispose scope, and
/// releases them on <see cref="Reset"/>, on replacement and on <see cref="Dispose"/>.
/// </remarks>
public sealed class UniPcSolver : IFlowSolver
{
    private const int SolverOrder = 2;
    private readonly double[] _sigmas;
    private Tensor? _lastOutput;
    private Tensor? _previousOutput;
    private Tensor? _lastSample;
    private int _lastStep = -1;
    private int _lastOrder;
    private int _outputsSeen;

    public UniPcSolver(IReadOnlyList<double> sigmas)
    {
        _sigmas = SigmaLadder.Validate(sigmas);
    }

    public IReadOnlyList<double> Sigmas => _sigmas;

    public Tensor Step(int step, Tensor sample, Tensor velocity)
    {
        SigmaLadder.CheckStep(_sigmas, step);
        if (_lastStep >= 0 && step != _lastStep + 1)
        {
            throw new InvalidOperationException($"UniPC was asked for step {step} after step {_lastStep}; multistep history needs consecutive steps (call Reset to start a new trajectory).");
        }

        if (_lastStep < 0 && step != 0)
        {
            throw new InvalidOperationException($"UniPC must start at step 0, not {step} (its history would be empty).");
        }

        using var scope = NewDisposeScope();
        // Latents may be half precision on the GPU; the multistep history is not.
        var working = sample.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        var x = sample.to_type(working);
        using var minusSigma = (-_sigmas[step]).ToScalar();
        var output = x.add(velocity.to_type(working), minusSigma);

        if (_lastSample is not null && _lastOutput is not null)
        {
            using var c = new HeldUpdate(UniPcCoefficients.Corrector(_sigmas, step, _lastOrder));
            x = _lastSample.mul(c.SampleScale).add_(_lastOutput, c.OutputScale).add_(output, c.FreshScale);
            if (_lastOrder == 2)
            {
                x.add_(_previousOutput!, c.HistoryScale);
            }
        }

        var order = Math.Min(Math.Min(SolverOrder, _sigmas.Length - 1 - step), _outputsSeen + 1);
        using var p = new HeldUpdate(UniPcCoefficients.Predictor(_sigmas, step, order));
        var next = x.mul(p.SampleScale).add_(output, p.OutputScale);
        if (order == 2)
        {
            next.add_(_lastOutput!, p.HistoryScale);
        }

        Keep(ref _previousOutput, _lastOutput);
        _lastOutput = output.alias().DetachFromDisposeScope();
        Replace(ref _lastSample, x.alias().DetachFromDisposeScope());
        _lastOrder = order;
        _lastStep = step;
        _outputsSeen = Math.Min(_outputsSeen + 1, SolverOrder);
        return next.to_type(sample.dtype).MoveToOuterDisposeScope();
    }

    public void Reset()
    {
        Replace(ref _lastOutput, null);
        Replace(ref _previousOutput, null);
        Replace(ref _lastSample, null);
        _lastStep = -1;
        _lastOrder = 0;
        _outputsSeen = 0;
    }

    public void Dispose() => Reset();

    private static void Keep(ref Tensor? slot, Tensor? value)
    {
        if (!ReferenceEquals(slot, value))
        {
            slot?.Dispose();
        }

        slot = value;
    }

    private static void Replace(ref Tensor? slot, Tensor? value)
    {
        slot?.Dispose();
        slot = value;
    }

    /// <summary>
    /// An update's coefficients as Scalars held until the step's tensor calls have returned: a Scalar made by an
    /// implicit conversion is freed by the finalizer alone, possibly while libtorch still reads it.
    /// </summary>
    private sealed class HeldUpdate(UniPcCoefficients.Update update) : IDisposable
    {
        public Scalar SampleScale { get; } = update.SampleScale.ToScalar();

        public Scalar OutputScale { get; } = update.OutputScale.ToScalar();

        public Scalar HistoryScale { get; } = update.HistoryScale.ToScalar();

        public Scalar FreshScale { get; } = update.FreshScale.ToScalar();

        public void Dispose()
        {
            SampleScale.Dispose();
            OutputScale.Dispose();
            HistoryScale.Dispose();
            FreshScale.Dispose();
        }
    }
}
