namespace RhymeFlow.Core

/// A non-keyframe's state at inner step j of a group [start, stop) as a blend of two states the
/// host holds: x_j = StartWeight·x_start + EndWeight·x_stop, x_stop being the jumped group end.
type Blend =
    { StartWeight: float; EndWeight: float }

/// A deterministic step from the group start in terms of its state and its clean prediction:
/// x_j = State·x_start + Denoised·x0_start.
type PredictionStep = { State: float; Denoised: float }

/// The flow-equivalent velocity v = ε̂ - x̂0 of a model prediction m made at a step from the state x
/// there: v = OfState·x + OfPrediction·m, and back m = (v - OfState·x)/OfPrediction. (0, 1) on a
/// flow ladder (the prediction is the velocity); (√(1-ᾱ) - √ᾱ, √ᾱ + √(1-ᾱ)) on a VP ladder, whose
/// v-prediction gives x̂0 = √ᾱ·x - √(1-ᾱ)·m and ε̂ = √(1-ᾱ)·x + √ᾱ·m. OfPrediction >= 1.
type VelocityWeights = { OfState: float; OfPrediction: float }

/// FoCa's Heun correction of a group end: x_stop = StartScale·x_start + HalfStep·(v_start + v_stop),
/// v_start and v_stop flow-equivalent velocities (VelocityWeights) made at the start and at the end.
type HeunStep = { StartScale: float; HalfStep: float }

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

    /// A projection rule's blend at step j of the group [start, stop), defined in the flow-equivalent
    /// coordinates: x_j = (s_j/s_start)(1-α)·x_start + (s_j/s_stop)·α·x_stop. LinearSigma and FoCa (whose
    /// inner steps blend towards the forecast end) are `blend` itself; LinearTimestep and Frozen take
    /// α = Projection.alpha on the flow-equivalent ladder (the model timesteps; 0 on inner steps), so
    /// Frozen keeps x/s of the start. On a flow ladder every rule is exactly (1-α, α) of Projection.alpha.
    /// (1, 0) at j = start and (0, 1) at j = stop wherever the rule's values differ across the group.
    [<CompiledName("Projected")>]
    val projected: projection: Projection -> ladder: NoiseLadder -> start: int -> stop: int -> j: int -> Blend

    /// The weights of the flow-equivalent velocity of a prediction made at step k < N (decomposed at
    /// ᾱ of its timestep, AlphasCumprod[k], as the solver computes x0).
    [<CompiledName("Velocity")>]
    val velocity: ladder: NoiseLadder -> k: int -> VelocityWeights

    /// FoCa's BDF2-style slope in flow-equivalent coordinates: v̂ = v_step + slope·(v_step - v_previous),
    /// slope = (τ_target - τ_step)/2/(τ_step - τ_previous), previous < step < target <= N, the
    /// velocities made at previous and step (τ at AlphasCumprod of each) and τ_target the level the jump
    /// lands on (PreviousAlphas[target-1]). On a flow ladder it is the host's σ formula to the bit. The
    /// jump is then the DDIM/Euler update along v̂: its x̂0 = x_step/s_step - τ_step·v̂.
    [<CompiledName("ForecastSlope")>]
    val forecastSlope: ladder: NoiseLadder -> previous: int -> step: int -> target: int -> float

    /// FoCa's Heun correction from the group start to its end, start < stop < N, in flow-equivalent
    /// coordinates mapped back at the end's level: StartScale = s_stop/s_start and HalfStep =
    /// s_stop·(τ_stop - τ_start)/2. On a flow ladder (1, (σ_stop - σ_start)/2) to the bit.
    [<CompiledName("Heun")>]
    val heun: ladder: NoiseLadder -> start: int -> stop: int -> HeunStep
