namespace RhymeFlow.Core

/// The flow-matching solver whose sigma ladder a plan runs on. Both follow diffusers exactly
/// (num_train_timesteps = 1000, final sigma 0); the stepping itself is the host's concern.
type Solver =
    /// FlowMatchEulerDiscreteScheduler: timesteps are 1000·sigma (floats).
    | Euler
    /// UniPCMultistepScheduler with use_flow_sigmas: timesteps are truncated integers, so a
    /// timestep is not 1000·sigma.
    | UniPC

/// A sigma ladder for N steps. Invariants: Sigmas has N+1 entries, strictly decreasing, in (0, 1]
/// except the last, which is 0; Timesteps has N entries (the model's timestep at step i).
type Ladder =
    {
        Sigmas: float list
        Timesteps: float list
    }

[<RequireQualifiedAccess>]
module Sigmas =
    /// Flow shift: s·σ / (1 + (s-1)·σ). Maps [0,1] onto [0,1], fixes both ends, and is monotone.
    [<CompiledName("Shift")>]
    val shift: s: float -> sigma: float -> float

    /// The ladder diffusers builds for `steps` steps with shift `shift`, computed in float64.
    /// Errors name `steps` (>= 1) or `shift` (> 0).
    [<CompiledName("Ladder")>]
    val ladder: solver: Solver -> shift: float -> steps: int -> Result<Ladder, ValidationError>

    /// N, the number of steps (model evaluations of a dense run) of a ladder.
    [<CompiledName("Steps")>]
    val steps: ladder: Ladder -> int
