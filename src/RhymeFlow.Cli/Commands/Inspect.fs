/// `inspect`: what a checkpoint holds, its key format, and whether it fits a config or a preset.
module RhymeFlow.Cli.Commands.Inspect

open System.IO
open System.Text.Json
open Argu
open TorchSharp
open RhymeFlow.Host.Checkpoints
open RhymeFlow.Host.Models.Wan
open RhymeFlow.Cli
open RhymeFlow.Cli.Arguments
open RhymeFlow.Cli.Failure

let private presets = [ "1.3b", WanConfig.T2V_1_3B; "14b", WanConfig.T2V_14B ]

let private shapeText (shape: int64 seq) =
    shape |> Seq.map string |> String.concat ", " |> sprintf "[%s]"

/// A model built on the meta device (no memory), as its keys and shapes and its parameter count.
type private MetaModel =
    {
        Shapes: Map<string, int64[]>
        Parameters: int64
        Tensors: int
    }

let private metaModel (build: unit -> torch.nn.Module) =
    use model = build ()
    let parameters = model.parameters () |> Seq.toList

    {
        Shapes =
            model.state_dict ()
            |> Seq.map (fun pair -> pair.Key, pair.Value.shape)
            |> Map.ofSeq
        Parameters = parameters |> List.sumBy (fun p -> p.numel ())
        Tensors = parameters.Length
    }

let private wanMeta (config: WanConfig) =
    metaModel (fun () -> WanTransformer.Create(config, torch.ScalarType.Float32, torch.Device "meta"))

let private parameterSummary (model: MetaModel) =
    $"%.2f{float model.Parameters / 1e9}B parameters in {model.Tensors} tensors (built on the meta device)"

/// Every difference between a checkpoint's keys and shapes (renamed to diffusers keys) and a model's.
let private mismatches (summary: CheckpointSummary) (rename: string -> string) (model: MetaModel) =
    let expected = model.Shapes

    let found =
        summary.Tensors
        |> Seq.map (fun t -> rename t.Key, Array.ofSeq t.Shape)
        |> Map.ofSeq

    [
        for KeyValue(key, shape) in expected do
            match found.TryFind key with
            | None -> $"missing {key} {shapeText shape}"
            | Some actual when actual <> shape ->
                $"shape of {key}: expected {shapeText shape}, found {shapeText actual}"
            | Some _ -> ()
        for KeyValue(key, shape) in found do
            if not (expected.ContainsKey key) then
                $"unexpected {key} {shapeText shape}"
    ]

let private describe (config: WanConfig) =
    $"{config.NumLayers} layers, {config.NumAttentionHeads} heads x {config.AttentionHeadDim} = dim {config.InnerDim}, ffn {config.FfnDim}, in {config.InChannels} / out {config.OutChannels} channels, text {config.TextDim}"

/// Whether `path` reads as a Wan transformer config: not another component's (a VAE's, a text encoder's), and
/// accepted by WanConfig.
let private isTransformerConfig (path: string) =
    try
        use document = JsonDocument.Parse(File.ReadAllText path)
        let root = document.RootElement

        let has (name: string) =
            root.ValueKind = JsonValueKind.Object && fst (root.TryGetProperty name)

        let className =
            match root.ValueKind with
            | JsonValueKind.Object ->
                match root.TryGetProperty "_class_name" with
                | true, value when value.ValueKind = JsonValueKind.String -> Some(value.GetString())
                | _ -> None
            | _ -> None

        match className with
        | Some name when not (name.StartsWith "WanTransformer") -> false
        | _ ->
            has "num_attention_heads"
            && has "attention_head_dim"
            && (WanConfig.FromJson path |> ignore
                true)
    with _ ->
        false

/// The config.json next to the checkpoint (or in the folder), when it is a Wan transformer's; another
/// component's config (vae/, text_encoder/) is not checked against.
let private configBeside (path: string) =
    let folder =
        if Directory.Exists path then
            path
        else
            Path.GetDirectoryName(Path.GetFullPath path)

    let candidate = Path.Combine(folder, "config.json")

    if File.Exists candidate && isTransformerConfig candidate then
        Some candidate
    else
        None

/// A preset to check against: a Wan one (either key format) or a family's (diffusers keys).
type private Preset =
    | WanPreset of WanConfig
    | FamilyPreset of Families.Family

let private presetChoice (name: string) =
    RhymeFlow.Cli.Options.choice
        "--preset"
        ((presets |> List.map (fun (n, c) -> n, WanPreset c))
         @ (Families.all |> List.map (fun f -> f.Preset, FamilyPreset f)))
        name

let private reportMismatches (summary: CheckpointSummary) (what: string) (problems: string list) =
    match problems with
    | [] ->
        printfn "%s: all %d tensors match" what summary.Tensors.Count
        false
    | problems ->
        let shown = problems |> List.truncate 20

        let count (prefix: string) =
            problems |> List.filter (fun p -> p.StartsWith prefix) |> List.length

        printfn
            "%s: %d mismatches (%d wrong shapes, %d missing, %d unexpected)"
            what
            problems.Length
            (count "shape")
            (count "missing")
            (count "unexpected")

        for problem in shown do
            printfn "  %s" problem

        if problems.Length > shown.Length then
            printfn "  ... and %d more" (problems.Length - shown.Length)

        true

let private inspectCheckpoint (args: ParseResults<InspectArgs>) (path: string) preset =
    let configPath =
        match args.TryGetResult InspectArgs.Config with
        | Some config -> Some(requireFile "--config" config)
        | None -> configBeside path

    let summary = CheckpointSummary.Inspect path
    printf "%s" (summary.ToText())
    let wanFormat = Option.ofNullable summary.WanFormat

    // Each check is what it compares and its mismatches, or None when the checkpoint is no Wan transformer.
    let wan (config: WanConfig) () =
        wanFormat
        |> Option.map (fun format -> mismatches summary (WanKeys.ToDiffusersRenamer format).Invoke (wanMeta config))

    let checks =
        [
            match configPath with
            | Some config ->
                let config' = WanConfig.FromJson config
                printfn "config %s: %s" config (describe config')
                $"config {Path.GetFileName config}", wan config'
            | None -> ()
            match preset with
            | Some(name, WanPreset config) ->
                printfn "preset %s: %s" name (describe config)
                $"preset {name}", wan config
            | Some(name, FamilyPreset family) ->
                let model = metaModel family.Meta
                printfn "preset %s: %s; %s" name family.Describe (parameterSummary model)
                $"preset {name}", (fun () -> Some(mismatches summary id model))
            | None -> ()
        ]

    let results = checks |> List.map (fun (what, check) -> what, check ())

    if results |> List.exists (snd >> Option.isNone) then
        eprintfn "error: %s holds no Wan transformer (unknown key format), so it cannot match a config." path
        ExitCode.RunFailed
    else
        let failures =
            results
            |> List.filter (fun (what, problems) -> reportMismatches summary what (Option.defaultValue [] problems))

        match failures with
        | [] -> ExitCode.Success
        | failed ->
            let names = failed |> List.map fst |> String.concat " and "
            eprintfn "error: %s does not match %s (see the mismatches above)." path names
            ExitCode.RunFailed

let run (args: ParseResults<InspectArgs>) : int =
    let preset =
        args.TryGetResult InspectArgs.Preset
        |> Option.map (fun name -> name, presetChoice name)

    match args.TryGetResult InspectArgs.Checkpoint, preset with
    | None, None -> usageError "give a CHECKPOINT to inspect, or --preset NAME for a published model's summary."
    | None, Some(name, WanPreset config) ->
        printfn "preset %s: %s; %s" name (describe config) (parameterSummary (wanMeta config))
        ExitCode.Success
    | None, Some(name, FamilyPreset family) ->
        printfn "preset %s: %s; %s" name family.Describe (parameterSummary (metaModel family.Meta))
        ExitCode.Success
    | Some checkpoint, preset -> inspectCheckpoint args (requireFile "CHECKPOINT" checkpoint) preset
