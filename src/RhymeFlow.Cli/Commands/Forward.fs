/// `forward`: one transformer forward on a case file, the tool for checking parity on new cases.
module RhymeFlow.Cli.Commands.Forward

open Argu
open RhymeFlow.Cli.Arguments
open RhymeFlow.Cli.Failure

let run (args: ParseResults<ForwardArgs>) : int =
    let config = args.GetResult ForwardArgs.Config |> requireFile "--config"
    let weights = args.GetResult ForwardArgs.Weights |> requireFile "--weights"
    let inputs = args.GetResult ForwardArgs.Inputs |> requireFile "--inputs"
    let out = args.GetResult ForwardArgs.Out
    let dtype = args.GetResult(ForwardArgs.Dtype, defaultValue = "float32")
    let device = args.GetResult(ForwardArgs.Device, defaultValue = "cpu")
    RhymeFlow.Host.Execution.SingleForward.Run(config, weights, inputs, out, dtype, device)
    printfn "wrote %s" out
    ExitCode.Success
