namespace RhymeFlow.Core

// The C# surface: enums, sealed classes, arrays and IReadOnlyList; no F# list, option or function
// type crosses it (PublicApiTests in RhymeFlow.Core.Facade.Tests checks). Invalid arguments become
// ArgumentException naming the C# parameter. This file: the enums and the conversions to the F# API.

open System
open System.Collections.Generic

type SolverKind =
    | Euler = 0
    | UniPC = 1
    /// CogVideoX's VP DDIM (eta 0, v-prediction); the shift is its SNR shift.
    | Ddim = 2

/// Where a flow ladder's sigmas come from (Spacing): the solver's own table, or HunyuanVideo's linspace.
type SpacingKind =
    | SolverDefault = 0
    | Linspace = 1

type KeyframeStrategyKind =
    | Semantic = 0
    | Uniform = 1
    | Random = 2
    | FirstM = 3
    | Spread = 4

type ProjectionKind =
    | LinearSigma = 0
    | LinearTimestep = 1
    | FoCa = 2
    | Frozen = 3

type ContextKind =
    | LayerKv = 0
    | LayerHiddenDevice = 1
    | LayerHiddenHost = 2
    | ProjectedLatents = 3
    | KeyframesOnly = 4

type CouplingKind =
    | KeyframeEuler = 0
    | SchedulerApprox = 1

type EvaluationKindView =
    | Full = 0
    | Active = 1
    | Correction = 2

type TransitionKind =
    | Advance = 0
    | Jump = 1
    | Projected = 2
    | Correct = 3
    | Idle = 4

module internal Interop =
    let list (xs: 'T seq) : IReadOnlyList<'T> = Array.ofSeq xs :> IReadOnlyList<'T>

    // Validation fields are JSON/F# names; the C# caller knows its own parameter names.
    let parameter (field: string) =
        match field with
        | "budget" -> "keyframes"
        | "skip.min"
        | "skip.k" -> "minSkip"
        | "skip.max" -> "maxSkip"
        | "skip.first" -> "firstTransition"
        | "skip.second" -> "secondTransition"
        | "fewerSteps" -> "steps"
        | "keyframes.frames" -> "keyframes"
        | "rule.queryRatio" -> "queryRatio"
        | "rule.keyValueRatio" -> "keyValueRatio"
        | "rule.fromStepFraction" -> "fromStepFraction"
        | "rule.fromBlock" -> "fromBlock"
        | f when f.StartsWith "stride." -> "stride" + string (Char.ToUpperInvariant f[7]) + f.Substring 8
        | f when f.StartsWith "ratios.query" -> "queryRatios"
        | f when f.StartsWith "ratios.keyValue" -> "keyValueRatios"
        | f when f.StartsWith "keyframes[" -> "keyframes"
        | f -> f

    let orThrow result =
        match result with
        | Ok value -> value
        | Error(e: ValidationError) -> raise (ArgumentException(e.Message, parameter e.Field))

    /// An enum argument outside its defined values (e.g. a cast integer) is the caller's error, not a default.
    let defined (parameter: string) (value: 'E) : 'E =
        if not (Enum.IsDefined(typeof<'E>, box value)) then
            raise (
                ArgumentOutOfRangeException(
                    parameter,
                    box value,
                    $"{parameter} = {value} is not a defined {typeof<'E>.Name} value."
                )
            )

        value

    let context kind =
        match kind with
        | ContextKind.LayerHiddenDevice -> LayerHidden Device
        | ContextKind.LayerHiddenHost -> LayerHidden Host
        | ContextKind.ProjectedLatents -> ProjectedLatents
        | ContextKind.KeyframesOnly -> KeyframesOnly
        | _ -> LayerKv

    let contextKind context =
        match context with
        | LayerKv -> ContextKind.LayerKv
        | LayerHidden Device -> ContextKind.LayerHiddenDevice
        | LayerHidden Host -> ContextKind.LayerHiddenHost
        | ProjectedLatents -> ContextKind.ProjectedLatents
        | KeyframesOnly -> ContextKind.KeyframesOnly
