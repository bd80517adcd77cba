namespace RhymeFlow.Core

open System.Text.Json
open RhymeFlow.Core.JsonSyntax

/// Plans as JSON: the spec, the frame count, the ladder, the keyframes and every evaluation with
/// its kind, per-frame transitions and sigma indices.
module internal JsonPlan =
    /// A plan as the root object.
    val write: w: Utf8JsonWriter -> plan: Plan -> unit

    /// Reads a plan; its spec is validated, its evaluations are taken as written.
    val read: node: Node -> Result<Plan, ValidationError>
