/// Flow-matching sigma ladders.
[<RequireQualifiedAccess>]
module RhymeFlow.Core.Sigmas

/// Placeholder until the schedule engine lands.
val placeholder: int
