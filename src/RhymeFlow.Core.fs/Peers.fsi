namespace RhymeFlow.Core

/// What a runtime cache policy decides for one step.
type PeerDecision =
    /// Run the whole block stack (and refresh the cached residual).
    | Compute
    /// Skip the blocks (or all but the first) and add the cached residual.
    | Reuse

/// Relative L1 changes, the statistic both caches decide on.
[<RequireQualifiedAccess>]
module RelativeChange =
    /// mean|current - previous| / mean|previous|: 0 for equal vectors, +infinity when the previous vector is zero
    /// and the current one is not, or when the lengths differ. The host computes the same on the device.
    [<CompiledName("OfVectors")>]
    val ofVectors: current: float list -> previous: float list -> float

/// Decides for rows that run as one batch (CFG's cond and uncond rows, B clips): one state per row, one decision
/// for the batch.
[<RequireQualifiedAccess>]
module PeerBatch =
    /// Each row decides with `decide` on its own state and observation; the batch computes when any row says
    /// Compute, and then every row takes the state `computed` gives it (its state after a compute). When every row
    /// says Reuse, each keeps the state it decided. One row decides exactly as `decide` does.
    /// States and observations are paired by position and must have the same length (else an ArgumentException).
    [<CompiledName("Decide")>]
    val decide:
        decide: ('State -> 'Observation -> PeerDecision * 'State) ->
        computed: ('State -> 'Observation -> 'State) ->
        states: 'State list ->
        observations: 'Observation list ->
            PeerDecision * 'State list

/// TeaCache (ali-vilab/TeaCache, TeaCache4Wan2.1). Data-dependent: the host reads each row's relative L1 change of
/// the modulated input (the time projection e0) back to the CPU every step. Cond and uncond rows keep separate states.
[<RequireQualifiedAccess>]
module TeaCache =
    type Config =
        {
            /// Reuse while the accumulated rescaled change stays strictly below this (0 always computes).
            Threshold: float
            /// Polynomial on the relative L1 change, highest power first.
            Coefficients: float list
        }

    type State =
        {
            /// The rescaled changes summed since the last compute (0 right after one).
            Accumulated: float
        }

    type Observation =
        {
            Step: int
            Steps: int
            /// Relative L1 change of this step's modulated input against the previous step's (whatever that step
            /// decided); ignored on the forced steps, where it may be NaN.
            Change: float
        }

    /// T2V-1.3B coefficients with the given threshold (0.05, 0.07, 0.08 in the paper).
    [<CompiledName("Wan13B")>]
    val wan13B: threshold: float -> Config

    /// A threshold that is finite and >= 0, and at least one finite coefficient.
    [<CompiledName("Validate")>]
    val validate: config: Config -> Result<Config, ValidationError>

    [<CompiledName("Initial")>]
    val initial: State

    /// The polynomial's value at `change`, clamped at 0: it estimates a distance, which cannot be negative (the
    /// authors' polynomials dip below 0 between their samples).
    [<CompiledName("Rescale")>]
    val rescale: coefficients: float list -> change: float -> float

    /// The first and last steps Compute. Otherwise Accumulated += rescale(change); Reuse while the sum is strictly
    /// below the threshold, else Compute and reset the sum to 0. A NaN change computes.
    [<CompiledName("Decide")>]
    val decide: config: Config -> state: State -> observation: Observation -> PeerDecision * State

    /// The batch rule (see PeerBatch.decide) with a compute resetting every row's sum to 0.
    [<CompiledName("DecideBatch")>]
    val decideBatch: config: Config -> states: State list -> observations: Observation list -> PeerDecision * State list

/// First-block cache (diffusers' FirstBlockCache). Block 0 always runs; the host reads each row's relative L1 change
/// of block 0's residual against the residual of the last step that computed every block.
[<RequireQualifiedAccess>]
module FirstBlockCache =
    type State =
        {
            /// Steps reused since the last compute.
            Reused: int
        }

    type Observation =
        {
            Step: int
            /// Relative L1 change of block 0's residual; ignored on the first step, where it may be NaN.
            Change: float
        }

    [<CompiledName("Initial")>]
    val initial: State

    /// A threshold that is finite and >= 0.
    [<CompiledName("ValidateThreshold")>]
    val validateThreshold: threshold: float -> Result<float, ValidationError>

    /// The first step Computes; later steps Reuse the tail residual when the change is strictly below the threshold
    /// (so 0 always computes). A NaN change computes.
    [<CompiledName("Decide")>]
    val decide: threshold: float -> state: State -> observation: Observation -> PeerDecision * State

    /// The batch rule (see PeerBatch.decide) with a compute resetting every row's count to 0.
    [<CompiledName("DecideBatch")>]
    val decideBatch:
        threshold: float -> states: State list -> observations: Observation list -> PeerDecision * State list

/// A fixed compute mask, so a study can replay TeaCache-like skip patterns on random weights.
[<RequireQualifiedAccess>]
module FixedPattern =
    /// Compute where the mask is true; steps beyond the mask Compute.
    [<CompiledName("Decide")>]
    val decide: mask: bool list -> step: int -> PeerDecision

    /// The mask a sequence of decisions produced.
    [<CompiledName("OfDecisions")>]
    val ofDecisions: decisions: PeerDecision list -> bool list
