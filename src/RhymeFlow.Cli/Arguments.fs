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

type SampleArgs =
    | Model of dir: string
    | Config of path: string
    | Weights of path: string
    | [<Mandatory>] Prompt_Embeds of file_tensor: string
    | Negative_Embeds of file_tensor: string
    | [<Mandatory>] Init_Noise of file_tensor: string
    | Schedule of name_or_file: string
    | Solver of solver: string
    | Shift of shift: float
    | Steps of steps: int
    | Guidance of scale: float
    | Keyframes of frames: string
    | [<Mandatory>] Out of path: string
    | Dtype of dtype: string
    | Device of device: string
    | Quiet

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Model _ -> "a checkpoint folder holding config.json and the weights (either key format)."
            | Config _ -> "diffusers config.json of the transformer (instead of --model)."
            | Weights _ -> "checkpoint file, sharded index or folder (instead of --model)."
            | Prompt_Embeds _ -> "prompt embeddings as FILE.safetensors:TENSOR, shaped [1, L, text_dim]."
            | Negative_Embeds _ -> "negative-prompt embeddings as FILE.safetensors:TENSOR (zeros when absent)."
            | Init_Noise _ -> "initial noise as FILE.safetensors:TENSOR, shaped [1, C, F, H, W]."
            | Schedule _ -> "dense, rhymeflow (the default) or a schedule JSON file."
            | Solver _ -> "euler or unipc (overrides the schedule's)."
            | Shift _ -> "flow shift (overrides the schedule's)."
            | Steps _ -> "sampling steps (overrides the schedule's)."
            | Guidance _ -> "classifier-free guidance scale; 1 disables it (default 5)."
            | Keyframes _ -> "comma-separated keyframe indices, instead of selecting them from the clean estimate."
            | Out _ -> "safetensors file to write; the final latents are stored as 'latents'."
            | Dtype _ -> "float32 (default), bfloat16 or float16."
            | Device _ -> "cpu (default) or cuda."
            | Quiet -> "no progress output."

[<HelpFlags("--help", "-h")>]
type CliArgs =
    | [<CliPrefix(CliPrefix.None)>] Forward of ParseResults<ForwardArgs>
    | [<CliPrefix(CliPrefix.None)>] Sample of ParseResults<SampleArgs>
    | [<Inherit; AltCommandLine("-v")>] Verbose

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Forward _ -> "run one forward pass of a Wan 2.1 transformer on a case file (parity checks)."
            | Sample _ -> "denoise initial noise into latents with a schedule (reproducible research runs)."
            | Verbose -> "show stack traces on failure."
