/// `forward`: one forward of a pipeline component (the transformer, the VAE's decoder or encoder, the umT5 text
/// encoder) on a case file, the tool for checking parity on new cases.
module RhymeFlow.Cli.Commands.Forward

open Argu
open RhymeFlow.Host.Execution
open RhymeFlow.Cli.Arguments
open RhymeFlow.Cli.Failure
open RhymeFlow.Cli.Options

let run (args: ParseResults<ForwardArgs>) : int =
    let runner, written =
        // Each runner takes (config, weights, inputs, out, dtype, device).
        args.GetResult(ForwardArgs.Component, defaultValue = "transformer")
        |> choice
            "--component"
            [
                "transformer", ((fun (c, w, i, o, t, d) -> SingleForward.Run(c, w, i, o, t, d)), "sample")
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
