using RhymeFlow.Core;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Execution;

/// <summary>
/// What a plan's execution needs from its ladder: the solver's step, the clean estimate, and the deterministic
/// transition that carries a group's non-keyframes from the group start. Flow ladders (<see cref="FlowPlanStepping"/>)
/// follow the start's velocity σ-linearly; VP ladders (<see cref="VpPlanStepping"/>) follow the start's x0 and ε by
/// the DDIM update (the core's <c>Transition</c>). Tensors are in the plan's layout [B, C, frames, …]; results belong
/// to the caller's dispose scope.
/// </summary>
internal interface IPlanStepping : IDisposable
{
    /// <summary>The solver's step of the whole clip from <paramref name="step"/> to step + 1.</summary>
    Tensor Step(int step, Tensor sample, Tensor prediction);

    /// <summary>Each frame's clean estimate x0, every frame at its own sigma index.</summary>
    Tensor Clean(Tensor sample, Tensor prediction, IReadOnlyList<int> sigmaIndex);

    /// <summary>
    /// What a group's non-keyframes follow from the group start <paramref name="start"/> at <paramref name="step"/>,
    /// given the prediction there (forecast or not): the velocity on a flow ladder, x0 on a VP ladder.
    /// </summary>
    Tensor Direction(Tensor start, Tensor prediction, int step);

    /// <summary>The state at step <paramref name="to"/> along <paramref name="direction"/> from <paramref name="start"/> at step <paramref name="from"/>.</summary>
    Tensor Along(Tensor start, Tensor direction, int from, int to);

    /// <summary>
    /// The clip at inner step <paramref name="step"/> of a group that started at <paramref name="groupStep"/>: frames
    /// the plan projects are placed on the group's trajectory; the others keep <paramref name="latents"/>, which hold the
    /// jumped group end for the non-keyframes.
    /// </summary>
    Tensor Project(Tensor latents, Tensor groupStart, Tensor direction, int groupStep, int step, IReadOnlyList<FrameTransitionView> transitions);

    /// <summary>The prediction the solver is given at <paramref name="step"/> for frames at <paramref name="state"/> on the group's trajectory.</summary>
    Tensor OnTrajectory(Tensor direction, Tensor state, int step);

    /// <summary>A keyframe's own first-order step (the KeyframeEuler coupling).</summary>
    Tensor KeyframeStep(Tensor sample, Tensor prediction, int step);

    /// <summary>
    /// The flow-equivalent velocity of <paramref name="prediction"/>, made at <paramref name="step"/> from
    /// <paramref name="sample"/>: the prediction itself on a flow ladder, ε̂ − x̂0 on a VP ladder. FoCa's forecast and
    /// Heun correction work on it.
    /// </summary>
    Tensor Velocity(Tensor sample, Tensor prediction, int step);

    /// <summary>
    /// FoCa's second-order forecast at <paramref name="step"/> towards <paramref name="target"/>, from the prediction
    /// made there from <paramref name="sample"/> and the flow-equivalent velocity of the previous full evaluation
    /// (<see cref="Velocity"/>): returned as the prediction at <paramref name="step"/> whose velocity is the forecast, for
    /// <see cref="Direction"/>.
    /// </summary>
    Tensor Forecast(Tensor sample, Tensor prediction, Tensor previousVelocity, int previousStep, int step, int target);

    /// <summary>
    /// FoCa's Heun correction of a group end from its start: the start's flow-equivalent velocity and the prediction
    /// made at the end from the jumped state <paramref name="endSample"/>.
    /// </summary>
    Tensor Heun(Tensor groupStart, Tensor startVelocity, Tensor endSample, Tensor endPrediction, int startStep, int endStep);
}
