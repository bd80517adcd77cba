using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.BuiltIn.Training;

/// <summary>
/// AdamW (PyTorch's semantics: decoupled weight decay p ← p·(1 − lr·wd), bias-corrected moments) over named
/// parameters, with its state kept as named tensors so a checkpoint stores it as safetensors and restores it exactly.
/// </summary>
/// <remarks>
/// Weight decay applies to parameters with two or more dimensions whose name is not a table or embedding
/// (<c>scale_shift_table</c>, <c>position_embedding</c>, <c>token_embedding</c>); biases and norm scales are not decayed.
/// </remarks>
public sealed class AdamW : IDisposable
{
    private readonly IReadOnlyList<(string Name, Tensor Parameter)> _parameters;
    private readonly Dictionary<string, (Tensor Mean, Tensor Square)> _state = new(StringComparer.Ordinal);

    public AdamW(IEnumerable<(string Name, Tensor Parameter)> parameters, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = [.. parameters];
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    public double Beta1 { get; }

    public double Beta2 { get; }

    public double Epsilon { get; }

    /// <summary>Updates taken so far (the bias-correction exponent).</summary>
    public long Steps { get; private set; }

    /// <summary>Whether <paramref name="name"/> (a state-dict key) of a parameter of rank <paramref name="rank"/> is decayed.</summary>
    public static bool Decays(string name, long rank) =>
        rank >= 2 && !name.Contains("scale_shift_table", StringComparison.Ordinal)
        && !name.Contains("position_embedding", StringComparison.Ordinal) && !name.Contains("token_embedding", StringComparison.Ordinal);

    /// <summary>One update of every parameter that has a gradient.</summary>
    public void Step(double learningRate, double weightDecay)
    {
        Steps++;
        var correction1 = 1 - Math.Pow(Beta1, Steps);
        var correction2 = 1 - Math.Pow(Beta2, Steps);
        using var noGrad = no_grad();
        using var beta1 = Beta1.ToScalar();
        using var meanGradientWeight = (1 - Beta1).ToScalar();
        using var beta2 = Beta2.ToScalar();
        using var squareGradientWeight = (1 - Beta2).ToScalar();
        using var decay = (1 - (learningRate * weightDecay)).ToScalar();
        using var squareCorrection = correction2.ToScalar();
        using var epsilon = Epsilon.ToScalar();
        using var stepSize = (-learningRate / correction1).ToScalar();
        foreach (var (name, parameter) in _parameters)
        {
            using var scope = NewDisposeScope();
            var grad = parameter.grad;
            if (grad is null)
            {
                continue;
            }

            if (!_state.TryGetValue(name, out var moments))
            {
                moments = (zeros_like(parameter).DetachFromDisposeScope(), zeros_like(parameter).DetachFromDisposeScope());
                _state[name] = moments;
            }

            moments.Mean.mul_(beta1).add_(grad, alpha: meanGradientWeight);
            moments.Square.mul_(beta2).addcmul_(grad, grad, value: squareGradientWeight);
            if (weightDecay > 0 && Decays(name, parameter.ndim))
            {
                parameter.mul_(decay);
            }

            var denominator = moments.Square.div(squareCorrection).sqrt_().add_(epsilon, Scalars.One);
            parameter.addcdiv_(moments.Mean, denominator, value: stepSize);
        }
    }

    /// <summary>The state as tensors (exp_avg.NAME, exp_avg_sq.NAME; CPU copies the caller disposes) and the step count.</summary>
    public (Dictionary<string, Tensor> Tensors, long Steps) StateDict()
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, (mean, square)) in _state)
        {
            tensors["exp_avg." + name] = mean.detach().cpu().clone();
            tensors["exp_avg_sq." + name] = square.detach().cpu().clone();
        }

        return (tensors, Steps);
    }

    /// <summary>Restores the state written by <see cref="StateDict"/> from an open checkpoint.</summary>
    /// <exception cref="CheckpointException">A moment belongs to no parameter or has the wrong shape.</exception>
    public void LoadState(CheckpointReader checkpoint, long steps)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var byName = _parameters.ToDictionary(p => p.Name, p => p.Parameter, StringComparer.Ordinal);
        DisposeState();
        foreach (var key in checkpoint.Keys)
        {
            var split = key.IndexOf('.', StringComparison.Ordinal);
            var kind = split < 0 ? key : key[..split];
            var name = split < 0 ? string.Empty : key[(split + 1)..];
            if (kind is not ("exp_avg" or "exp_avg_sq") || !byName.TryGetValue(name, out var parameter))
            {
                throw new CheckpointException($"{checkpoint.Path}: optimizer state '{key}' belongs to no parameter of the model.");
            }

            using var source = checkpoint.Read(key);
            if (!source.shape.SequenceEqual(parameter.shape))
            {
                throw new CheckpointException($"{checkpoint.Path}: optimizer state '{key}' has shape [{string.Join(", ", source.shape)}], the parameter [{string.Join(", ", parameter.shape)}].");
            }

            var moment = source.to(parameter.dtype, parameter.device).DetachFromDisposeScope();
            var current = _state.GetValueOrDefault(name);
            _state[name] = kind == "exp_avg" ? (moment, current.Square) : (current.Mean, moment);
        }

        var incomplete = _state.Where(p => p.Value.Mean is null || p.Value.Square is null).Select(p => p.Key).ToArray();
        if (incomplete.Length > 0)
        {
            throw new CheckpointException($"{checkpoint.Path}: optimizer state lacks a moment for {string.Join(", ", incomplete)}.");
        }

        Steps = steps;
    }

    public void Dispose() => DisposeState();

    private void DisposeState()
    {
        foreach (var (mean, square) in _state.Values)
        {
            mean?.Dispose();
            square?.Dispose();
        }

        _state.Clear();
    }
}
