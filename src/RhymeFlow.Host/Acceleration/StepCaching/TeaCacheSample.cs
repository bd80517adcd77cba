namespace RhymeFlow.Host.Acceleration.StepCaching;

/// <summary>One calibration sample: a row's relative L1 change of the modulated input and of the block stack's residual at one step.</summary>
public sealed record TeaCacheSample(double InputChange, double OutputChange);
