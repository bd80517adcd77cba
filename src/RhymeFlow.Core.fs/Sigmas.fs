[<RequireQualifiedAccess>]
module RhymeFlow.Core.Sigmas

let placeholder = 0
