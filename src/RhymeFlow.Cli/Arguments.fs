/// The command line as data: one union per verb, every flag with its help text.
module RhymeFlow.Cli.Arguments

open Argu

type ForwardArgs =
    | [<Mandatory>] Config of path: string
    | [<Mandatory>] Weights of path: string
    | [<Mandatory>] Inputs of path: string
    | [<Mandatory>] Out of path: string
    | Dtype of dtype: string
    | Device of device: string

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Config _ -> "diffusers config.json of the transformer."
            | Weights _ ->
                "checkpoint: a .safetensors file, a sharded .safetensors.index.json, or a folder (diffusers or original Wan keys)."
            | Inputs _ ->
                "safetensors case with hidden_states [B,C,F,H,W], timestep [B] or [B,tokens], encoder_hidden_states [B,L,D]."
            | Out _ -> "safetensors file to write; the velocity is stored as 'sample'."
            | Dtype _ -> "float32 (default), bfloat16 or float16."
            | Device _ -> "cpu (default) or cuda."

[<HelpFlags("--help", "-h")>]
type CliArgs =
    | [<CliPrefix(CliPrefix.None)>] Forward of ParseResults<ForwardArgs>
    | [<Inherit; AltCommandLine("-v")>] Verbose

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Forward _ -> "run one forward pass of a Wan 2.1 transformer on a case file (parity checks)."
            | Verbose -> "show stack traces on failure."
