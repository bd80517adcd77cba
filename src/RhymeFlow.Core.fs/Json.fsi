namespace RhymeFlow.Core

/// Hand-written JSON for specs and plans: camelCase fields, a "kind" discriminator on every union,
/// doubles in shortest round-trip form. Decoding errors name the JSON path ($.schedule.skip.min)
/// and what was expected; a decoded spec is validated like any other.
[<RequireQualifiedAccess>]
module Json =
    [<CompiledName("WriteSpec")>]
    val writeSpec: spec: Spec -> string

    [<CompiledName("ReadSpec")>]
    val readSpec: json: string -> Result<Spec, ValidationError>

    [<CompiledName("WritePlan")>]
    val writePlan: plan: Plan -> string

    /// Reads a plan back; its spec is validated, its evaluations are taken as written.
    [<CompiledName("ReadPlan")>]
    val readPlan: json: string -> Result<Plan, ValidationError>

    /// An AsymRnR spec, tiers inline for a profiled policy.
    [<CompiledName("WriteReduction")>]
    val writeReduction: spec: ReductionSpec -> string

    /// Reads an AsymRnR spec and validates it.
    [<CompiledName("ReadReduction")>]
    val readReduction: json: string -> Result<ReductionSpec, ValidationError>

    /// Reads a study file and validates it (`Study.validate`).
    [<CompiledName("ReadStudy")>]
    val readStudy: json: string -> Result<Study, ValidationError>

    /// A tier table, as the profile command writes it.
    [<CompiledName("WriteTiers")>]
    val writeTiers: tiers: RedundancyTiers -> string

    /// Reads a tier table; its shape and tier range are checked as for a profiled spec.
    [<CompiledName("ReadTiers")>]
    val readTiers: json: string -> Result<RedundancyTiers, ValidationError>
