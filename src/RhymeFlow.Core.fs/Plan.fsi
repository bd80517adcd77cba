namespace RhymeFlow.Core

/// The velocity a non-keyframe jumps along to its group end.
type Forecast =
    /// v_i of this evaluation: x_end = x_i + (σ_end - σ_i)·v_i.
    | Current
    /// FoCa's second-order forecast from this velocity and the one of full evaluation `previous`
    /// (index into the plan): v̂ = v_i + (σ_end - σ_i)/2 · (v_i - v_p)/(σ_i - σ_p).
    | SecondOrder of previous: int

/// What one evaluation does to one frame. The host builds the frame's model input from it, and
/// afterwards applies it to the frame's state.
type FrameTransition =
    /// Input is the frame's state at sigma index i; afterwards the solver steps i -> i+1 with the
    /// velocity of this evaluation.
    | Advance
    /// Input is the state at i; afterwards x_target = x_i + (σ_target - σ_i)·v (see Forecast).
    /// The host keeps x_i: later Projected and Correct transitions of the group read it.
    | Jump of target: int * forecast: Forecast
    /// Input is (1-α)·x_start + α·x_end (x_start kept from the Jump, x_end the jumped state) at
    /// sigma index groupStart < j < groupEnd; the state is not changed. α in [0, 1].
    | Projected of alpha: float * groupStart: int * groupEnd: int
    /// Heun correction (FoCa): input is the jumped state at the group end; afterwards
    /// x_end = x_start + (σ_end - σ_start)·(v_start + v)/2, v_start from evaluation `jumpEvaluation`.
    | Correct of jumpEvaluation: int
    /// Not part of this evaluation; the state is not changed.
    | Idle

/// Which tokens an evaluation runs through the model as queries.
type EvaluationKind =
    /// All frames. The per-layer context of `recordContext` (the group's non-keyframes) is
    /// recorded for the following Active evaluations; empty when nothing needs recording.
    | Full of recordContext: int list
    /// Only `frames` (the keyframes); the other frames' keys and values come from `context`.
    | Active of frames: int list * context: ContextMode
    /// FoCa's Heun correction: a full pass at a group end whose velocities only correct the
    /// non-keyframes. It shares its step column with the next group's full evaluation.
    | Correction

/// One model evaluation. Invariants: Transitions and SigmaIndex have one entry per frame;
/// SigmaIndex[f] is the sigma index of frame f's model input (its timestep is
/// Ladder.Timesteps[SigmaIndex[f]]); Step is the ladder step the evaluation belongs to.
type Evaluation =
    {
        Index: int
        Step: int
        Kind: EvaluationKind
        Transitions: FrameTransition list
        SigmaIndex: int list
    }

/// An immutable plan: everything the executor needs, in order. Keyframes is empty for dense plans.
type Plan =
    {
        Spec: Spec
        Frames: int
        Ladder: Ladder
        Keyframes: int list
        Evaluations: Evaluation list
    }

/// When keyframes must be selected: after evaluation AfterEvaluation (Tw-1; -1 means before the
/// first evaluation, from the initial latents), with this strategy and budget min(M, F).
type Selection =
    {
        AfterEvaluation: int
        Strategy: KeyframeStrategy
        Budget: int
    }

/// A spec validated for a clip of F frames, with its ladder: the first stage of a plan.
[<Sealed>]
type Prepared =
    member Spec: Spec
    member Frames: int
    member Ladder: Ladder

[<RequireQualifiedAccess>]
module Plan =
    /// Validates the spec for `frames` frames and builds its ladder.
    [<CompiledName("Prepare")>]
    val prepare: spec: Spec -> frames: int -> Result<Prepared, ValidationError>

    /// The keyframe selection the run needs; None for schedules without keyframes.
    [<CompiledName("Selection")>]
    val selection: prepared: Prepared -> Selection option

    /// The evaluations that precede keyframe selection (the Tw warm-up steps; every evaluation of
    /// a dense plan). They are a prefix of every completed plan.
    [<CompiledName("Warmup")>]
    val warmup: prepared: Prepared -> Evaluation list

    /// The whole plan for a keyframe set (ignored by schedules without keyframes). Any valid set
    /// is accepted, whatever the budget; errors name `keyframes.frames` when the clip differs.
    [<CompiledName("Complete")>]
    val complete: prepared: Prepared -> keyframes: KeyframeSet -> Result<Plan, ValidationError>

    /// The plan compiled ahead of time with a data-free keyframe set of the budgeted size
    /// (Keyframes.preview): exact for cost, illustrative for which frames.
    [<CompiledName("Preview")>]
    val preview: prepared: Prepared -> Plan

    /// prepare, then complete with the given keyframe indices (ignored when not needed).
    [<CompiledName("Compile")>]
    val compile: spec: Spec -> frames: int -> keyframes: int list -> Result<Plan, ValidationError>

    /// The frames an evaluation runs as queries.
    [<CompiledName("ComputedFrames")>]
    val computedFrames: plan: Plan -> evaluation: Evaluation -> int list

    /// The frame x evaluation matrix of input sigma indices, plus a final column N (where every
    /// frame ends). Each row starts at 0 and strictly increases except at Correction evaluations,
    /// which repeat the index of the evaluation that follows them.
    [<CompiledName("SigmaIndexMatrix")>]
    val sigmaIndexMatrix: plan: Plan -> int list list

    /// The number of steps N of the plan's ladder.
    [<CompiledName("Steps")>]
    val steps: plan: Plan -> int

    /// The solver's own ladder of the plan (Sigmas.noiseLadder of its sampling on Plan.steps steps):
    /// the VP ladder for Ddim, whose flow equivalent is plan.Ladder.
    [<CompiledName("NoiseLadder")>]
    val noiseLadder: plan: Plan -> Result<NoiseLadder, ValidationError>

    /// Transition.blend on the plan's noise ladder for step j of the group [start, stop). Errors name
    /// `start` (0..N-1), `stop` (start+1..N) or `j` (start..stop).
    [<CompiledName("Blend")>]
    val blend: plan: Plan -> start: int -> stop: int -> j: int -> Result<Blend, ValidationError>

    /// Transition.fromPrediction on the plan's noise ladder: the deterministic (DDIM) update from step
    /// start to the level of step j along the start's clean prediction. Errors name `start`
    /// (0..N-1) or `j` (start+1..N).
    [<CompiledName("FromPrediction")>]
    val fromPrediction: plan: Plan -> start: int -> j: int -> Result<PredictionStep, ValidationError>

    /// Transition.projected with the plan's projection (LinearSigma for schedules without one) on its
    /// noise ladder. Same errors as `blend`.
    [<CompiledName("Projected")>]
    val projected: plan: Plan -> start: int -> stop: int -> j: int -> Result<Blend, ValidationError>

    /// Transition.velocity on the plan's noise ladder. Errors name `step` (0..N-1).
    [<CompiledName("Velocity")>]
    val velocity: plan: Plan -> step: int -> Result<VelocityWeights, ValidationError>

    /// Transition.forecastSlope on the plan's noise ladder. Errors name `previous` (0..N-2), `step`
    /// (previous+1..N-1) or `target` (step+1..N).
    [<CompiledName("ForecastSlope")>]
    val forecastSlope: plan: Plan -> previous: int -> step: int -> target: int -> Result<float, ValidationError>

    /// Transition.heun on the plan's noise ladder. Errors name `start` (0..N-2) or `stop` (start+1..N-1).
    [<CompiledName("Heun")>]
    val heun: plan: Plan -> start: int -> stop: int -> Result<HeunStep, ValidationError>
