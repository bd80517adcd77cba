/// Turning option values into domain values at the edge, with errors that name the option.
module RhymeFlow.Cli.Options

open System
open System.IO
open RhymeFlow.Core
open RhymeFlow.Cli.Failure

/// FILE:TENSOR, split at the last colon.
let tensorReference (option: string) (value: string) =
    let colon = value.LastIndexOf ':'

    if colon <= 0 || colon = value.Length - 1 then
        usageError $"{option}: expected FILE.safetensors:TENSOR, got '{value}'."

    let file = value.Substring(0, colon)
    requireFile option file |> ignore
    file, value.Substring(colon + 1)

let solver (value: string) =
    match value.ToLowerInvariant() with
    | "euler" -> Solver.Euler
    | "unipc" -> Solver.UniPC
    | other -> usageError $"--solver: '{other}' is not a solver; expected euler or unipc."

let keyframes (value: string) =
    value.Split(',', StringSplitOptions.RemoveEmptyEntries ||| StringSplitOptions.TrimEntries)
    |> Array.map (fun item ->
        match Int32.TryParse item with
        | true, frame -> frame
        | _ -> usageError $"--keyframes: '{item}' is not a frame index; expected e.g. 0,10,20.")

/// A named schedule or a JSON file, with sampling overrides applied.
let schedule (nameOrFile: string) (solverOverride: Solver option) (shift: float option) (steps: int option) =
    let spec =
        match nameOrFile.ToLowerInvariant() with
        | "dense" ->
            {
                Sampling = Spec.defaultSampling
                Schedule = Dense
            }
        | "rhymeflow" ->
            {
                Sampling = Spec.defaultSampling
                Schedule = RhymeFlow Spec.defaultRhymeFlow
            }
        | _ when File.Exists nameOrFile ->
            match Json.readSpec (File.ReadAllText nameOrFile) with
            | Ok spec -> spec
            | Error e -> usageError $"--schedule {nameOrFile}: {e.Message}"
        | _ -> usageError $"--schedule: '{nameOrFile}' is neither dense, rhymeflow nor an existing JSON file."

    let sampling =
        { spec.Sampling with
            Solver = defaultArg solverOverride spec.Sampling.Solver
            Shift = defaultArg shift spec.Sampling.Shift
            Steps = defaultArg steps spec.Sampling.Steps
        }

    match Spec.validate { spec with Sampling = sampling } with
    | Ok spec -> ScheduleSpec spec
    | Error e -> usageError $"--schedule: {e.Message}"
