namespace RhymeFlow.Core

open System.Text.Json
open RhymeFlow.Core.JsonSyntax

/// AsymRnR specs and tier tables as JSON: tiers and statistics as arrays of per-block arrays of
/// per-step values, the policy with a "kind" discriminator.
module internal JsonReduction =
    val writeTiers: w: Utf8JsonWriter -> name: string -> tiers: RedundancyTiers -> unit

    val readTiers: node: Node -> Result<RedundancyTiers, ValidationError>

    /// A spec as the root object.
    val write: w: Utf8JsonWriter -> spec: ReductionSpec -> unit

    /// Reads a spec and validates it.
    val read: node: Node -> Result<ReductionSpec, ValidationError>
