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

    /// `ofPlan` for a family whose self-attention holds the text tokens (`JointAttention`: CogVideoX,
    /// HunyuanVideo). The reduction keeps a share of the video queries and keys/values; the text tokens
    /// stay in every attention as queries and keys/values, so the scores cost
    /// 4·(Lq·(1 − r_Q) + T)·(Lk·(1 − r_KV) + T)·d. The matching covers the video tokens only.
    /// `CrossAttention` gives `ofPlan`.
    [<CompiledName("OfPlanWith")>]
    val ofPlanWith:
        text: TextAttention ->
        geometry: Geometry ->
        plan: Plan ->
        schedule: ReductionSchedule ->
            Result<PlanCost, ValidationError>
