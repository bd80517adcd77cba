/// AsymRnR's command-line options turned into a reduction spec, with errors that name the flag.
module RhymeFlow.Cli.ReductionOptions

open System
open System.IO
open RhymeFlow.Core
open RhymeFlow.Cli.Failure

/// Everything a verb's command line says about AsymRnR.
type ReductionOptions =
    {
        NameOrFile: string option
        QueryRatio: float option
        KeyValueRatio: float option
        FromStep: float option
        FromBlock: int option
        ReuseSteps: int option
        Stride: string option
    }

let private reductionFlag (field: string) =
    match field with
    | "rule.queryRatio" -> "--q-ratio"
    | "rule.keyValueRatio" -> "--kv-ratio"
    | "rule.fromStepFraction" -> "--reduce-from-step"
    | "rule.fromBlock" -> "--reduce-from-block"
    | "reuseSteps" -> "--reuse-steps"
    | f when f.StartsWith "stride." -> "--stride"
    | _ -> "--reduction"

/// FRAMESxROWSxCOLUMNS, e.g. 2x2x2.
let stride (value: string) =
    match value.ToLowerInvariant().Split 'x' |> Array.map Int32.TryParse with
    | [| true, f; true, r; true, c |] ->
        {
            AlongFrames = f
            AlongRows = r
            AlongColumns = c
        }
    | _ -> usageError $"--stride: '{value}' is not FRAMESxROWSxCOLUMNS, e.g. 2x2x2."

/// A named reduction or a JSON file, with the rule's knobs and the shared settings applied.
let reduction (options: ReductionOptions) =
    let ruleKnobs =
        [
            "--q-ratio", options.QueryRatio.IsSome
            "--kv-ratio", options.KeyValueRatio.IsSome
            "--reduce-from-step", options.FromStep.IsSome
            "--reduce-from-block", options.FromBlock.IsSome
        ]

    let anyRuleKnob = ruleKnobs |> List.exists snd

    let defaultRule =
        {
            QueryRatio = 0.5
            KeyValueRatio = 0.3
        }

    let rule (current: ReductionRule) =
        ByRule
            {
                Ratios =
                    {
                        QueryRatio = defaultArg options.QueryRatio current.Ratios.QueryRatio
                        KeyValueRatio = defaultArg options.KeyValueRatio current.Ratios.KeyValueRatio
                    }
                FromStepFraction = defaultArg options.FromStep current.FromStepFraction
                FromBlock = defaultArg options.FromBlock current.FromBlock
            }

    let fromRatios ratios =
        match (Reduction.uniform ratios).Policy with
        | ByRule r -> r
        | _ -> failwith "a uniform reduction is a rule"

    let name =
        options.NameOrFile
        |> Option.defaultValue (if anyRuleKnob then "rule" else "none")

    let spec =
        match name.ToLowerInvariant() with
        | "none" -> Reduction.none
        | "rule" ->
            { Reduction.none with
                Policy = rule (fromRatios defaultRule)
            }
        | "hunyuan" -> Reduction.hunyuanBase
        | _ when File.Exists name ->
            match Json.readReduction (File.ReadAllText name) with
            | Ok spec -> spec
            | Error e -> usageError $"--reduction {name}: {e.Message}"
        | _ -> usageError $"--reduction: '{name}' is neither none, rule, hunyuan nor an existing JSON file."

    let policy =
        match spec.Policy with
        | ByRule current -> rule current
        | other ->
            match ruleKnobs |> List.tryFind snd with
            | Some(flag, _) -> usageError $"{flag} applies to a rule reduction only; --reduction {name} is not one."
            | None -> other

    if spec.Policy = NoReduction then
        [
            "--reuse-steps", options.ReuseSteps.IsSome
            "--stride", options.Stride.IsSome
        ]
        |> List.tryFind snd
        |> Option.iter (fun (flag, _) ->
            usageError
                $"{flag} applies to a token reduction; give --reduction rule|hunyuan|FILE or --q-ratio/--kv-ratio.")

    let withSettings =
        { spec with
            Policy = policy
            ReuseSteps = defaultArg options.ReuseSteps spec.ReuseSteps
            Stride = options.Stride |> Option.map stride |> Option.defaultValue spec.Stride
        }

    match Reduction.validate withSettings with
    | Ok spec -> spec
    | Error e -> usageError $"{reductionFlag e.Field}: {e.Message}"

/// The reduction resolved for a model of `blocks` blocks and a run of `steps` steps.
let reductionSchedule (spec: ReductionSpec) (blocks: int) (steps: int) =
    match Reduction.compile blocks steps spec with
    | Ok schedule -> schedule
    | Error e -> usageError $"{reductionFlag e.Field}: {e.Message}"
