namespace RhymeFlow.Core

/// The solver whose ladder a plan runs on. All follow diffusers exactly (num_train_timesteps =
/// 1000, final sigma 0); the stepping itself is the host's concern.
type Solver =
    /// FlowMatchEulerDiscreteScheduler: timesteps are 1000·sigma (floats).
    | Euler
    /// UniPCMultistepScheduler with use_flow_sigmas: timesteps are truncated integers, so a
    /// timestep is not 1000·sigma.
    | UniPC
    /// CogVideoXDDIMScheduler (eta 0, v-prediction) on the VP schedule of Vp.cogVideoX5B, with
    /// Sampling.Shift as its SNR shift (1 for the 5B family). The plan's ladder is the VP ladder's
    /// flow equivalent (Sigmas.ofVp); Sigmas.noiseLadder gives the VP ladder itself.
    | Ddim

/// Where a flow ladder's sigmas come from before the shift: the scheduler's own table, or the table a
/// pipeline hands to `set_timesteps`.
type Spacing =
    /// The solver's own table (diffusers' `set_timesteps(N)`), as Wan's pipelines use it.
    | SolverDefault
    /// σ = shift(s) for s = linspace(1, 0, N+1)[:-1], a final 0 and timesteps 1000·σ: the sigmas
    /// HunyuanVideo's pipeline passes to FlowMatchEulerDiscreteScheduler. diffusers computes them in
    /// float32, and so does the core, so that a plan's projection weights and the host's stepping use
    /// the very same numbers. Euler only.
    | Linspace

/// A sigma ladder for N steps. Invariants: Sigmas has N+1 entries, strictly decreasing, in (0, 1]
/// except the last, which is 0; Timesteps has N entries (the model's timestep at step i).
type Ladder =
    {
        Sigmas: float list
        Timesteps: float list
    }

/// The ladder a solver runs on, as its own kind: the flow sigmas, or the VP noise levels.
type NoiseLadder =
    | FlowSigmas of flow: Ladder
    | VpAlphas of vp: VpLadder

[<RequireQualifiedAccess>]
module Sigmas =
    /// Flow shift: s·σ / (1 + (s-1)·σ). Maps [0,1] onto [0,1], fixes both ends, and is monotone.
    [<CompiledName("Shift")>]
    val shift: s: float -> sigma: float -> float

    /// The ladder diffusers builds for `steps` steps with shift `shift`, computed in float64; for
    /// Ddim, the flow equivalent of the VP ladder. Errors name `steps` (>= 1; Ddim: 1..1000) or
    /// `shift` (> 0).
    [<CompiledName("Ladder")>]
    val ladder: solver: Solver -> shift: float -> steps: int -> Result<Ladder, ValidationError>

    /// `noiseLadder` with the sigmas of `spacing`: SolverDefault is `noiseLadder` itself; Linspace is
    /// a FlowSigmas ladder for Euler, and an error naming `spacing` for any other solver. Same other
    /// errors as `ladder`.
    [<CompiledName("SpacedNoiseLadder")>]
    val spacedNoiseLadder:
        solver: Solver -> spacing: Spacing -> shift: float -> steps: int -> Result<NoiseLadder, ValidationError>

    /// `ladder` with the sigmas of `spacing` (see `spacedNoiseLadder`).
    [<CompiledName("SpacedLadder")>]
    val spacedLadder:
        solver: Solver -> spacing: Spacing -> shift: float -> steps: int -> Result<Ladder, ValidationError>

    /// N, the number of steps (model evaluations of a dense run) of a ladder.
    [<CompiledName("Steps")>]
    val steps: ladder: Ladder -> int

    /// The flow equivalent of a VP ladder: σ_k = Vp.flowSigma AlphasCumprod[k] (1 at ᾱ = 0, 0 at the
    /// clean end) and the model timesteps as floats. It meets the Ladder invariants.
    [<CompiledName("OfVp")>]
    val ofVp: vp: VpLadder -> Ladder

    /// The solver's own ladder: VpAlphas for Ddim, FlowSigmas (`ladder`) otherwise. Same errors.
    [<CompiledName("NoiseLadder")>]
    val noiseLadder: solver: Solver -> shift: float -> steps: int -> Result<NoiseLadder, ValidationError>
