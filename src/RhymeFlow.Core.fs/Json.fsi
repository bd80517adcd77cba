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
