namespace RhymeFlow.Core

/// The progressive schedule of methods.md: with off = i - Tw + 1 and R = N - Tw, a group starting
/// at step i has length Min while off <= round(First·R), Min+1 while off <= round(Second·R), and
/// Max after that. round is round-half-to-even, as Python's round() in the authors' code. The middle
/// length is capped at Max, so Min = Max means one length throughout and lengths never decrease.
type ProgressiveSkip =
    {
        Min: int
        Max: int
        First: float
        Second: float
    }

/// How the steps after warm-up are cut into groups [start, end).
type SkipSchedule =
    /// Every group has length k.
    | Fixed of k: int
    | Progressive of ProgressiveSkip

/// A group of steps [Start, End): one full evaluation at Start, keyframe-only steps after it.
type Group = { Start: int; End: int }

[<RequireQualifiedAccess>]
module Skip =
    /// The authors' default: progressive 3..5 with transitions at 0.3 and 0.7.
    [<CompiledName("Default")>]
    val defaultSchedule: SkipSchedule

    /// Errors name `skip.k` (>= 1), `skip.min` (>= 1), `skip.max` (>= min), `skip.first` and
    /// `skip.second` ([0, 1], first <= second).
    [<CompiledName("Validate")>]
    val validate: skip: SkipSchedule -> Result<SkipSchedule, ValidationError>

    /// The groups covering steps warmup .. steps-1 in order, each non-empty, the last one cut at
    /// `steps`. Empty when warmup >= steps.
    [<CompiledName("Groups")>]
    val groups: skip: SkipSchedule -> warmup: int -> steps: int -> Group list

    /// The same schedule with every skip length grown by one (used to state monotonicity).
    [<CompiledName("Grow")>]
    val grow: skip: SkipSchedule -> SkipSchedule
