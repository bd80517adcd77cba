namespace RhymeFlow.Host.Execution;

/// <summary>A velocity or latent became NaN or infinite; the run stops at the first evaluation that shows it.</summary>
public sealed class NonFiniteLatentsException : Exception
{
    public NonFiniteLatentsException(string quantity, int evaluation, int step, int frame)
        : base($"Evaluation {evaluation} (step {step}) produced a non-finite {quantity} in frame {frame}; the run was stopped. " +
               "Check the weights and the inputs for NaN/Inf, and the dtype for overflow.")
    {
        Quantity = quantity;
        Evaluation = evaluation;
        Step = step;
        Frame = frame;
    }

    public string Quantity { get; }

    public int Evaluation { get; }

    public int Step { get; }

    public int Frame { get; }
}
