namespace RhymeFlow.Core

/// A self-attention feature whose token redundancy AsymRnR profiles.
type TokenFeature =
    /// Queries after RMSNorm and RoPE: what the query reduction matches on.
    | Queries
    /// Keys after RMSNorm and RoPE.
    | Keys
    /// Values: what the shared key/value reduction matches on.
    | Values

/// The extent of the windows the (frames, rows, columns) token grid is tiled into. One token per
/// window is a destination; the others are sources that may be dropped onto a destination.
type WindowStride =
    {
        AlongFrames: int
        AlongRows: int
        AlongColumns: int
    }

/// Fractions of a self-attention's tokens removed: of the queries, and of the keys and values
/// (one shared reduction, since keys and values pair token by token).
type ReductionRatios =
    {
        QueryRatio: float
        KeyValueRatio: float
    }

/// A hand-written policy: `Ratios` everywhere except in early steps (step / steps below
/// `FromStepFraction`) and shallow blocks (below `FromBlock`), which are the most sensitive.
type ReductionRule =
    {
        Ratios: ReductionRatios
        FromStepFraction: float
        FromBlock: int
    }

/// Redundancy tiers per feature, indexed [block][step]: 0 is the least redundant of `Levels`.
/// The step axis is the profiled run's; a run with another step count reads it proportionally.
type RedundancyTiers =
    {
        Levels: int
        QueryTiers: int list list
        KeyTiers: int list list
        ValueTiers: int list list
    }

/// Per-feature redundancy statistics indexed [block][step], higher meaning more redundant (the
/// profile command records the mean cosine similarity of sources to their matched destination).
type RedundancyStatistics =
    {
        QueryStatistics: float list list
        KeyStatistics: float list list
        ValueStatistics: float list list
    }

/// The ratio each tier maps to, tier 0 first: one list for queries, one for keys and values.
type TierRatios =
    {
        QueryByTier: float list
        KeyValueByTier: float list
    }

/// Where the per-block, per-step ratios come from.
type ReductionPolicy =
    /// Every attention runs dense.
    | NoReduction
    | ByRule of ReductionRule
    /// The authors' way: profiled tiers mapped to ratios. The key/value tier of a cell is the lower
    /// of its key and value tiers, since both are dropped together.
    | Profiled of tiers: RedundancyTiers * ratios: TierRatios

/// An AsymRnR configuration: the policy, the window stride, how many consecutive steps reuse one
/// split and matching (the matching cache), and the seed of the destinations' random choice.
type ReductionSpec =
    {
        Policy: ReductionPolicy
        Stride: WindowStride
        ReuseSteps: int
        Seed: int
    }

/// Consecutive steps [Start, Start + Length) that share one split and matching.
type ReuseWindow = { Start: int; Length: int }

/// What one block's self-attention does at one step.
type ReductionSetting =
    {
        Ratios: ReductionRatios
        Window: ReuseWindow
    }

/// A spec resolved for a model's blocks and a run's steps: a setting for every (step, block).
[<Sealed>]
type ReductionSchedule =
    member Spec: ReductionSpec
    member Blocks: int
    member Steps: int

[<RequireQualifiedAccess>]
module Reduction =
    /// 2 x 2 x 2, the authors' stride for CogVideoX.
    [<CompiledName("DefaultStride")>]
    val defaultStride: WindowStride

    /// The largest removable fraction for a stride: every window keeps its destination, so
    /// 1 - 1 / (frames · rows · columns).
    [<CompiledName("MaxRatio")>]
    val maxRatio: stride: WindowStride -> float

    /// No reduction (the identity), with the default stride.
    [<CompiledName("None")>]
    val none: ReductionSpec

    /// Queries 0.5 and keys/values 0.3 from block 0 and step 0, stride 2x2x2, reuse 3, seed 0.
    [<CompiledName("Uniform")>]
    val uniform: ratios: ReductionRatios -> ReductionSpec

    /// The authors' HunyuanVideo "base": queries 0.9, keys/values 0.3, stride 6x2x2, reuse 3.
    [<CompiledName("HunyuanBase")>]
    val hunyuanBase: ReductionSpec

    /// Checks the spec. Errors name the field: `stride.*` (>= 1), `reuseSteps` (>= 1),
    /// `rule.queryRatio` / `rule.keyValueRatio` ([0, maxRatio]), `rule.fromStepFraction` ([0, 1]),
    /// `rule.fromBlock` (>= 0), `tiers.levels` (>= 1), `tiers.*` (rectangular, each tier in
    /// 0..levels-1), `ratios.*` (one per level, each in [0, maxRatio]).
    [<CompiledName("Validate")>]
    val validate: spec: ReductionSpec -> Result<ReductionSpec, ValidationError>

    /// The `tiers.*` checks of `validate` alone: `tiers.levels` (>= 1), the tables rectangular and of one
    /// shape, each tier in 0..levels-1. Allocates nothing per level, so a hostile level count is cheap.
    val internal validateTiers: tiers: RedundancyTiers -> Result<unit, ValidationError>

    /// Resolves the spec for a model of `blocks` blocks and a run of `steps` steps. A profiled
    /// policy must have been profiled on the same number of blocks (`tiers.blocks`).
    [<CompiledName("Compile")>]
    val compile: blocks: int -> steps: int -> spec: ReductionSpec -> Result<ReductionSchedule, ValidationError>

    /// The setting of `block` at `step`; raises ArgumentOutOfRangeException outside the schedule.
    [<CompiledName("At")>]
    val at: schedule: ReductionSchedule -> step: int -> block: int -> ReductionSetting

    /// The reuse windows in order; they tile 0..steps-1.
    [<CompiledName("Windows")>]
    val windows: schedule: ReductionSchedule -> ReuseWindow list

    /// True when every setting removes nothing, so every attention runs dense.
    [<CompiledName("IsIdentity")>]
    val isIdentity: schedule: ReductionSchedule -> bool

    /// The tiers of `levels` quantile bands of each feature's statistics over all cells: the
    /// lowest statistics get tier 0. Errors name `levels` (>= 1) and `statistics.*` (rectangular,
    /// finite, at least one block and one step).
    [<CompiledName("Tiers")>]
    val tiers: levels: int -> statistics: RedundancyStatistics -> Result<RedundancyTiers, ValidationError>
