using RhymeFlow.Host.Execution;

namespace RhymeFlow.Host.Benchmarking;

/// <summary>Records every evaluation event on the compute thread (Progress&lt;T&gt; would post them elsewhere).</summary>
internal sealed class EvaluationRecorder : IProgress<DenoiseEvent>
{
    public List<EvaluationCompleted> Events { get; } = [];

    public void Report(DenoiseEvent value)
    {
        if (value is EvaluationCompleted completed)
        {
            Events.Add(completed);
        }
    }
}
