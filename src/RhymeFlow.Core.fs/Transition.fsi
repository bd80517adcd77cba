namespace RhymeFlow.Core

/// A non-keyframe's state at inner step j of a group [start, stop) as a blend of two states the
/// host holds: x_j = StartWeight·x_start + EndWeight·x_stop, x_stop being the jumped group end.
type Blend =
    { StartWeight: float; EndWeight: float }

/// A deterministic step from the group start in terms of its state and its clean prediction:
/// x_j = State·x_start + Denoised·x0_start.
type PredictionStep = { State: float; Denoised: float }

/// The solver's deterministic transition (DDIM, eta 0) along the group start's predictions x0 and
/// ε, held fixed: every point k of the ladder is x_k = p_k·x0 + q_k·ε, with (p, q) = (1-σ, σ) on a
/// flow ladder and (√ᾱ, √(1-ᾱ)) on a VP ladder. Writing s = p + q and τ = q/s, x/s is linear in τ,
/// so x_j = (s_j/s_start)(1-α)·x_start + (s_j/s_stop)·α·x_stop, α = (τ_start - τ_j)/(τ_start - τ_stop).
/// On a flow ladder s = 1 and τ = σ: the blend is exactly (1-α, α) of Projection.alpha LinearSigma.
/// On a VP ladder the start is decomposed at ᾱ of its timestep (AlphasCumprod[start], as the solver
/// computes x0), and a point j > start is the level DDIM lands on there (PreviousAlphas[j-1]).
[<RequireQualifiedAccess>]
module Transition =
    /// The blend at step j of the group [start, stop), start <= j <= stop <= N, start < stop: (1, 0)
    /// at j = start and (0, 1) at j = stop; StartWeight falls and EndWeight rises monotonically in between, both
    /// in [0, 1]. On a VP ladder the weights do not sum to 1: the states are not a convex combination.
    [<CompiledName("Blend")>]
    val blend: ladder: NoiseLadder -> start: int -> stop: int -> j: int -> Blend

    /// The DDIM update from step start to the level of step j > start, start < N: State = q_j/q_start,
    /// Denoised = p_j - p_start·State. One step (j = start+1) on a VP ladder is diffusers'
    /// CogVideoXDDIMScheduler step; on a flow ladder it is Euler along v_start.
    [<CompiledName("FromPrediction")>]
    val fromPrediction: ladder: NoiseLadder -> start: int -> j: int -> PredictionStep
