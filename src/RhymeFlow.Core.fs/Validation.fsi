namespace RhymeFlow.Core

/// Why a schedule, a keyframe set or a decoded document was rejected: the field, the offending
/// value and the range that would have been accepted. Every public entry point reports invalid
/// input this way; none throws from deep inside.
type ValidationError =
    {
        Field: string
        Value: string
        Allowed: string
    }

    /// "warmupSteps = 60 is out of range: expected 0..50 (steps)".
    member Message: string

/// Small checks shared by the smart constructors of the core.
[<RequireQualifiedAccess>]
module internal Validate =
    val error: field: string -> value: 'T -> allowed: string -> ValidationError
    /// Ok when `condition` holds, else the error of `field`, `value` and `allowed`.
    val check: condition: bool -> field: string -> value: 'T -> allowed: string -> Result<unit, ValidationError>
    val intRange: field: string -> lo: int -> hi: int -> hint: string -> value: int -> Result<int, ValidationError>
    val atLeast: field: string -> lo: int -> value: int -> Result<int, ValidationError>
    val unitInterval: field: string -> value: float -> Result<float, ValidationError>
    val all: checks: Result<unit, ValidationError> list -> Result<unit, ValidationError>
