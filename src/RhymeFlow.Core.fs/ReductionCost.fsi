namespace RhymeFlow.Core

/// What AsymRnR saves: the attention each setting keeps, and a plan's cost with a reduction schedule applied.
[<RequireQualifiedAccess>]
module ReductionCost =
    /// The fraction of the self-attention score and value FLOPs (Lq · Lk) that remain at a setting.
    [<CompiledName("AttentionFraction")>]
    val attentionFraction: setting: ReductionSetting -> float

    /// The plan's cost with the schedule's reductions applied to every evaluation's self-attention,
    /// including the matching at the start of each reuse window. The schedule must have the
    /// geometry's layers and the plan's evaluation steps (`schedule.blocks`, `schedule.steps`).
    [<CompiledName("OfPlan")>]
    val ofPlan: geometry: Geometry -> plan: Plan -> schedule: ReductionSchedule -> Result<PlanCost, ValidationError>
