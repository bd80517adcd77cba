/// `forward`: one forward of a pipeline component (any family's transformer, Wan's VAE decoder or encoder, the umT5
/// text encoder) on a case file, the tool for checking parity on new cases.
module RhymeFlow.Cli.Commands.Forward

open System
open System.Collections.Generic
open Argu
open TorchSharp
open RhymeFlow.Host.Checkpoints
open RhymeFlow.Host.Execution
open RhymeFlow.Host.Models
open RhymeFlow.Host.Models.CogVideoX
open RhymeFlow.Host.Models.HunyuanVideo
open RhymeFlow.Cli.Arguments
open RhymeFlow.Cli.Failure
open RhymeFlow.Cli.Options

/// The tensors a family's case file must hold, by the fixtures' names.
let caseTensors (family: VideoFamily) =
    match family with
    | VideoFamily.HunyuanVideo ->
        [
            "hidden_states"
            "timestep"
            "encoder_hidden_states"
            "encoder_attention_mask"
            "pooled_projections"
            "guidance"
        ]
    | _ -> [ "hidden_states"; "timestep"; "encoder_hidden_states" ]

/// The case's inputs, or a failed run naming the family, the file and every tensor it lacks.
let private readCase (family: VideoFamily) (path: string) (dtype: torch.ScalarType) (device: torch.Device) =
    use file = SafetensorsFile.Open path
    let missing = caseTensors family |> List.filter (file.Contains >> not)

    if not missing.IsEmpty then
        raise (
            CheckpointException(
                $"""{path}: a {family} case needs {String.Join(", ", caseTensors family)}; it has no tensor {String.Join(", ", missing |> List.map (sprintf "'%s'"))} (it holds {String.Join(", ", file.Keys)})."""
            )
        )

    // Timesteps, guidance and the mask stay float32 as the fixtures store them; the model casts what it needs.
    let keepFloat32 = set [ "timestep"; "guidance"; "encoder_attention_mask" ]

    caseTensors family
    |> List.map (fun name ->
        let tensor = file.Read name

        name,
        (if keepFloat32.Contains name then
             tensor.``to`` (torch.ScalarType.Float32, device)
         else
             tensor.``to`` (dtype, device)))
    |> Map.ofList

let private runFamily (family: VideoFamily) config weights inputs out (dtype: string) (device: torch.Device) =
    let scalarType = RhymeFlow.Cli.Options.dtype dtype
    use noGrad = torch.no_grad ()
    use scope = torch.NewDisposeScope()
    let x = readCase family inputs scalarType device

    let sample =
        match family with
        | VideoFamily.HunyuanVideo ->
            use model =
                HunyuanVideoTransformer.Create(HunyuanVideoConfig.FromJson config, scalarType, device)

            model.LoadWeights weights |> ignore

            let prompt =
                HunyuanVideoPrompt(x["encoder_hidden_states"], x["encoder_attention_mask"], x["pooled_projections"])

            model.Forward(x["hidden_states"], x["timestep"], prompt, x["guidance"])
        | VideoFamily.CogVideoX ->
            // The rotary tables of a case are the pipeline's; the model builds the same ones from the latent shape.
            use model = CogVideoXTransformer.Load(config, weights, scalarType, device)
            model.Forward(x["hidden_states"], x["timestep"], x["encoder_hidden_states"])
        | other -> failwith $"no case runner for {other}"

    use cpu = sample.``to``(torch.ScalarType.Float32).cpu()
    SafetensorsWriter.Write(out, readOnlyDict [ "sample", cpu ])

let private transformer (c, w, i, o, t, d: string) =
    let struct (family, _) = VideoFamilies.Detect c

    match family with
    | VideoFamily.Wan -> SingleForward.Run(c, w, i, o, t, d)
    | family -> runFamily family c w i o t (SingleForward.ParseDevice d)

let run (args: ParseResults<ForwardArgs>) : int =
    let runner, written =
        // Each runner takes (config, weights, inputs, out, dtype, device).
        args.GetResult(ForwardArgs.Component, defaultValue = "transformer")
        |> choice
            "--component"
            [
                "transformer", (transformer, "sample")
                "vae-decode", ((fun (c, w, i, o, t, d) -> SingleForward.RunVaeDecode(c, w, i, o, t, d)), "decoded")
                "vae-encode", ((fun (c, w, i, o, t, d) -> SingleForward.RunVaeEncode(c, w, i, o, t, d)), "encoded_mean")
                "text-encoder",
                ((fun (c, w, i, o, t, d) -> SingleForward.RunTextEncoder(c, w, i, o, t, d)), "last_hidden_state")
            ]

    let config = args.GetResult ForwardArgs.Config |> requireFile "--config"
    let weights = args.GetResult ForwardArgs.Weights |> requireFile "--weights"
    let inputs = args.GetResult ForwardArgs.Inputs |> requireFile "--inputs"
    let out = args.GetResult ForwardArgs.Out
    let dtype = args.GetResult(ForwardArgs.Dtype, defaultValue = "float32")
    let device = args.GetResult(ForwardArgs.Device, defaultValue = "cpu")
    // Checked here so that a bad value is a usage error naming the flag; the runner parses the names again.
    RhymeFlow.Cli.Options.dtype dtype |> ignore
    let _, device = RhymeFlow.Cli.Options.device device
    runner (config, weights, inputs, out, dtype, device)
    printfn "wrote %s (%s)" out written
    ExitCode.Success
