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
