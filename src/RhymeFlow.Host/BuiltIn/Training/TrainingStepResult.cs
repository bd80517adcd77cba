namespace RhymeFlow.Host.BuiltIn.Training;

/// <summary>What one optimizer step did.</summary>
/// <param name="Step">The step index (0-based) that ran.</param>
/// <param name="Loss">MSE of the velocity on this step's batch.</param>
/// <param name="GradientNorm">Global L2 norm of the gradients before clipping.</param>
/// <param name="LearningRate">The learning rate used.</param>
/// <param name="MeanSigma">Mean σ of the batch.</param>
/// <param name="EmptyCaptions">How many captions of the batch were replaced by "".</param>
/// <param name="Elapsed">Wall time of the step, data included.</param>
public sealed record TrainingStepResult(long Step, double Loss, double GradientNorm, double LearningRate, double MeanSigma, int EmptyCaptions, TimeSpan Elapsed);
