namespace RhymeFlow.Host.Models;

/// <summary>What a video transformer predicts.</summary>
public enum VideoPrediction
{
    /// <summary>The flow-matching velocity dx/dσ on a flow sigma ladder (Wan, HunyuanVideo).</summary>
    FlowVelocity,

    /// <summary>v on a variance-preserving schedule (CogVideoX); stepped by the VP solvers.</summary>
    VpVelocity,
}
