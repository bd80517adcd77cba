namespace RhymeFlow.Core

/// ASCII pictures of plans: frames down, steps across. F: computed in a full evaluation,
/// A: computed in an active (keyframe-only) evaluation, P: projected input, .: idle. A FoCa
/// correction shares its step column with the next group's full evaluation (both F).
[<RequireQualifiedAccess>]
module Render =
    /// Exactly one row per frame and one character per step, nothing else.
    [<CompiledName("Grid")>]
    val grid: plan: Plan -> string list

    /// The grid with frame labels, a step ruler, keyframe marks and a legend, for people.
    [<CompiledName("Render")>]
    val render: plan: Plan -> string
