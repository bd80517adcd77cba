namespace RhymeFlow.Host.Acceleration.StepCaching;

/// <summary>A dense run that measures what TeaCache would see: each step's input and output change, for <see cref="TeaCacheCalibration"/>.</summary>
public sealed record TeaCacheProbeSettings : StepCache
{
    public override void Validate()
    {
    }

    public override string ToString() => "TeaCache probe";
}
