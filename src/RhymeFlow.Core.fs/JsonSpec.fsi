namespace RhymeFlow.Core

open System.Text.Json
open RhymeFlow.Core.JsonSyntax

/// Specs as JSON: sampling, then the schedule with its strategy, skip, projection, context and
/// coupling, each union tagged by "kind".
module internal JsonSpec =
    /// A context mode as an object named `name`.
    val writeContext: w: Utf8JsonWriter -> name: string -> context: ContextMode -> unit

    /// A spec as an object named `name` ("" at the root).
    val write: w: Utf8JsonWriter -> name: string -> spec: Spec -> unit

    val readContext: node: Node -> Result<ContextMode, ValidationError>

    /// The "sampling" object: solver, shift, steps (not validated on its own).
    val readSampling: node: Node -> Result<Sampling, ValidationError>

    /// The "schedule" object, a union tagged by "kind" (not validated on its own).
    val readSchedule: node: Node -> Result<Schedule, ValidationError>

    /// Reads a spec and validates it like any other.
    val read: node: Node -> Result<Spec, ValidationError>
