namespace RhymeFlow.Host.Benchmarking;

/// <summary>One evaluation of a timed run: its class, wall time and predicted FLOPs.</summary>
internal sealed record LoopEvaluationSample(int Run, string Class, double Milliseconds, double PredictedFlops, double ExecutedFlops);
