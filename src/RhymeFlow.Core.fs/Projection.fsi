namespace RhymeFlow.Core

/// How a non-keyframe's input is formed at the inner steps of a group [i, end).
type Projection =
    /// x_j = (1-α)·x_i + α·x_end with α = (σ_i - σ_j)/(σ_i - σ_end): exactly Euler along v_i.
    | LinearSigma
    /// The same blend with α = (t_i - t_j)/(t_i - t_end) on the model timesteps (t_N = 0). With
    /// UniPC's integer timesteps this differs slightly from LinearSigma.
    | LinearTimestep
    /// FoCa: the jump to the group end uses a second-order (BDF2-style) forecast from the last two
    /// full velocities instead of v_i alone; inner inputs are the sigma-linear blend towards that
    /// forecast. With `heunCorrection`, one more full evaluation at the group end (not at σ = 0)
    /// corrects the non-keyframes: x_end = x_i + (σ_end - σ_i)·(v_i + v_end)/2.
    | FoCa of heunCorrection: bool
    /// The "no projection" ablation: non-keyframes stay frozen at their group start (α = 0) through
    /// the inner steps, and only the jump at the group end moves them. Keyframes then attend to
    /// context that lags their noise level by up to a whole group.
    | Frozen

[<RequireQualifiedAccess>]
module Projection =
    /// α for inner step j of the group [start, stop); always in [0, 1], 0 at start, 1 at stop.
    [<CompiledName("Alpha")>]
    val alpha: projection: Projection -> ladder: Ladder -> start: int -> stop: int -> j: int -> float
