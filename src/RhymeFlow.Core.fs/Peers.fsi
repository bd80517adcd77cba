namespace RhymeFlow.Core

/// What a runtime cache policy decides for one step.
type PeerDecision =
    /// Run the whole block stack (and refresh the cached residual).
    | Compute
    /// Skip the blocks and add the cached residual.
    | Reuse

/// TeaCache (ali-vilab/TeaCache, Wan 2.1). Data-dependent: the host reads the modulated timestep
/// embedding back to the CPU each step. Cond and uncond keep separate states.
[<RequireQualifiedAccess>]
module TeaCache =
    type Config =
        {
            Threshold: float
            /// Polynomial on the relative L1 change, highest power first.
            Coefficients: float list
        }

    type State =
        {
            Accumulated: float
            Previous: float list option
        }

    type Observation =
        {
            Step: int
            Steps: int
            /// The modulated timestep embedding input of this step.
            Modulated: float list
        }

    /// T2V-1.3B coefficients with the given threshold (0.05, 0.07, 0.08 in the paper).
    [<CompiledName("Wan13B")>]
    val wan13B: threshold: float -> Config

    [<CompiledName("Initial")>]
    val initial: State

    /// rel = mean|m - m_prev| / mean|m_prev|; Accumulated += poly(rel); Reuse while the sum stays
    /// below the threshold, else Compute and reset to 0. The first and last steps always Compute.
    [<CompiledName("Decide")>]
    val decide: config: Config -> state: State -> observation: Observation -> PeerDecision * State

/// First-block cache (diffusers). Block 0 always runs; the host reads its residual statistics.
[<RequireQualifiedAccess>]
module FirstBlockCache =
    type State = { PreviousResidual: float list option }

    type Observation = { Residual: float list }

    [<CompiledName("Initial")>]
    val initial: State

    /// Reuse the tail residual when mean|r - r_prev| / mean|r_prev| <= threshold (e.g. 0.05);
    /// Compute when there is no previous residual. The state always keeps the current residual.
    [<CompiledName("Decide")>]
    val decide: threshold: float -> state: State -> observation: Observation -> PeerDecision * State

/// A fixed compute mask, so a study can replay TeaCache-like skip patterns on random weights.
[<RequireQualifiedAccess>]
module FixedPattern =
    /// Compute where the mask is true; steps beyond the mask Compute.
    [<CompiledName("Decide")>]
    val decide: mask: bool list -> step: int -> PeerDecision

    /// The mask a sequence of decisions produced.
    [<CompiledName("OfDecisions")>]
    val ofDecisions: decisions: PeerDecision list -> bool list
