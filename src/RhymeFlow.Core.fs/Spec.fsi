namespace RhymeFlow.Core

/// Where cached hidden states live between a full evaluation and the inner steps.
type Placement =
    | Device
    | Host

/// Where keyframe-only evaluations take the keys and values of the non-keyframe tokens from.
type ContextMode =
    /// Post-norm, post-RoPE K and V of the non-keyframes, per layer, recorded by the group's full
    /// evaluation and kept on the device. An inner step costs about M/F of a full one.
    | LayerKv
    /// Each layer's input hidden states of the non-keyframes (the authors' release); K/V are
    /// recomputed from them at every inner step.
    | LayerHidden of placement: Placement
    /// K/V computed from the projected non-keyframe latents at every inner step: the non-keyframe
    /// tokens run through every layer as context, so nothing is recorded.
    | ProjectedLatents
    /// Keyframes attend only to each other; non-keyframes take no part in inner steps.
    | KeyframesOnly

/// How the keyframes' solver is fed during a group.
type SolverCoupling =
    /// Keyframes take plain Euler steps with their fresh velocity.
    | KeyframeEuler
    /// "scheduler_approx": the configured solver steps all frames, fed the fresh velocity for
    /// keyframes and the group velocity (x_end - x_i)/(σ_end - σ_i) for the rest, so multistep
    /// history stays consistent; non-keyframe outputs are then replaced by the plan's transitions.
    | SchedulerApprox

/// The RhymeFlow schedule (methods.md). Budget is M, the number of keyframes.
type RhymeFlowSpec =
    {
        WarmupSteps: int
        Budget: int
        Strategy: KeyframeStrategy
        Skip: SkipSchedule
        Projection: Projection
        Context: ContextMode
        Coupling: SolverCoupling
    }

/// A schedule as data: what is computed at every step.
type Schedule =
    /// Every frame at every step.
    | Dense
    /// A dense run on a shorter ladder of `steps` steps, the simplest rival at equal speed.
    | FewerSteps of steps: int
    | RhymeFlow of RhymeFlowSpec

/// The sampler a schedule runs under: solver, flow shift, the number of steps N and the spacing of
/// its ladder (the ladder the plan's projection weights are compiled on).
type Sampling =
    {
        Solver: Solver
        Shift: float
        Steps: int
        Spacing: Spacing
    }

/// A complete, serialisable schedule spec.
type Spec =
    {
        Sampling: Sampling
        Schedule: Schedule
    }

[<RequireQualifiedAccess>]
module Spec =
    /// Wan's default sampler: UniPC, shift 3, 50 steps.
    [<CompiledName("DefaultSampling")>]
    val defaultSampling: Sampling

    /// CogVideoX-1.5's pipeline sampler: DDIM on the 5B VP schedule (SNR shift 1), 50 steps.
    [<CompiledName("CogVideoXSampling")>]
    val cogVideoXSampling: Sampling

    /// HunyuanVideo's pipeline sampler: flow Euler, shift 7, 50 steps, on the linspace ladder.
    [<CompiledName("HunyuanVideoSampling")>]
    val hunyuanVideoSampling: Sampling

    /// The authors' default: Tw 10, M 2, semantic 0.98, progressive 3..5 at 0.3/0.7, linear sigma
    /// projection, layer K/V context on the device, scheduler_approx coupling.
    [<CompiledName("DefaultRhymeFlow")>]
    val defaultRhymeFlow: RhymeFlowSpec

    /// Checks everything that does not depend on the clip. Errors name the field and the range:
    /// `steps` (>= 1), `shift` (> 0), `spacing` (linspace with euler only), `fewerSteps` (1..steps), `warmupSteps` (0..steps),
    /// `budget` (>= 1), `threshold` ((-1, 1]), `minSpacing` (>= 1), `skip.*`.
    [<CompiledName("Validate")>]
    val validate: spec: Spec -> Result<Spec, ValidationError>

    /// `validate`, plus the checks against a clip of `frames` frames: `frames` (>= 1) and
    /// `budget` (1..frames).
    [<CompiledName("ValidateFor")>]
    val validateFor: frames: int -> spec: Spec -> Result<Spec, ValidationError>

    /// The number of steps of the ladder the plan runs on (FewerSteps n runs on n).
    [<CompiledName("LadderSteps")>]
    val ladderSteps: spec: Spec -> int
