/// `generate`: a prompt → a video with a Wan 2.1 pipeline folder (`--model DIR` holding model_index.json), or a
/// caption → clips with the built-in model; see GenerateWan and GenerateBuiltIn.
module RhymeFlow.Cli.Commands.Generate

open System.IO
open System.Text.Json
open Argu
open RhymeFlow.Host.BuiltIn
open RhymeFlow.Cli.Arguments
open RhymeFlow.Cli.GenerateArguments
open RhymeFlow.Cli.Failure
open RhymeFlow.Cli

/// "A red circle, moving right!" → "a-red-circle-moving-right".
let slug caption = GenerateOutputs.slug caption

/// Whether DIR's config.json says it is a built-in model package ("format": "rhymeflow-mini"), as MiniModel reads it.
let isBuiltInPackage (dir: string) =
    let config = Path.Combine(dir, "config.json")

    File.Exists config
    && try
        use document = JsonDocument.Parse(File.ReadAllText config)
        let root = document.RootElement

        match root.ValueKind with
        | JsonValueKind.Object ->
            match root.TryGetProperty "format" with
            | true, format when format.ValueKind = JsonValueKind.String -> format.GetString() = MiniModel.Format
            | _ -> false
        | _ -> false
       with
       | :? JsonException
       | :? IOException -> false

let private runHere (args: ParseResults<GenerateArgs>) : int =
    match args.TryGetResult GenerateArgs.Model with
    | Some dir when not (Directory.Exists dir) -> usageError $"--model: no such folder: {dir}"
    | Some dir when GenerateWan.isPipelineFolder dir -> GenerateWan.run args dir
    | Some dir when not (isBuiltInPackage dir) ->
        usageError
            $"--model: {dir} is neither a Wan 2.1 pipeline folder (no model_index.json) nor a built-in model package (config.json with format {MiniModel.Format})."
    | _ -> GenerateBuiltIn.run args

let run (args: ParseResults<GenerateArgs>) : int =
    match args.TryGetResult GenerateArgs.Cluster with
    | Some value ->
        let redis = ClusterOptions.address "--cluster" value

        match args.TryGetResult GenerateArgs.Model with
        | Some dir when Directory.Exists dir && GenerateWan.isPipelineFolder dir ->
            usageError "--cluster runs the built-in model only; a Wan 2.1 pipeline folder runs here, without --cluster."
        | Some dir when not (Directory.Exists dir) -> usageError $"--model: no such folder: {dir}"
        | _ -> GenerateCluster.run args redis
    | None ->
        ClusterOptions.requireCluster
            [
                "--detach", args.Contains GenerateArgs.Detach
                "--results", args.Contains GenerateArgs.Results
                "--lease", args.Contains GenerateArgs.Lease
            ]

        runHere args
