namespace RhymeFlow.Core

open RhymeFlow.Core.JsonSyntax

/// Study files: the study's sampling and captions, then rows of a schedule (as in a spec), an
/// optional AsymRnR spec (as `Json.writeReduction` writes it) and an optional step cache.
module internal JsonStudy =
    /// Reads a study and validates it (`Study.validate`).
    val read: node: Node -> Result<Study, ValidationError>
