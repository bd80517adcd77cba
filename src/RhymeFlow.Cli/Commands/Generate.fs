/// `generate`: a prompt → a video with a Wan 2.1 pipeline folder (`--model DIR` holding model_index.json), or a
/// caption → clips with the built-in model; see GenerateWan and GenerateBuiltIn.
module RhymeFlow.Cli.Commands.Generate

open Argu
open RhymeFlow.Cli.Arguments

/// "A red circle, moving right!" → "a-red-circle-moving-right".
let slug caption = GenerateOutputs.slug caption

let run (args: ParseResults<GenerateArgs>) : int =
    match args.TryGetResult GenerateArgs.Model with
    | Some dir when GenerateWan.isPipelineFolder dir -> GenerateWan.run args dir
    | _ -> GenerateBuiltIn.run args
