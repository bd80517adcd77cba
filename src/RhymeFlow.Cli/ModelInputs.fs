/// A bare Wan transformer and its tensor inputs from the command line, shared by the verbs that denoise one
/// (`sample`, `profile`): the checkpoint paths and FILE:TENSOR inputs checked against the model's config.
module RhymeFlow.Cli.ModelInputs

open System
open System.IO
open TorchSharp
open RhymeFlow.Host.Checkpoints
open RhymeFlow.Host.Models.Wan
open RhymeFlow.Cli.Failure

/// The config and weights given either as --model DIR or as both --config and --weights.
let modelPaths (model: string option) (config: string option) (weights: string option) =
    match model, config, weights with
    | Some dir, None, None ->
        let dir = requireFile "--model" dir
        let config = Path.Combine(dir, "config.json")

        if not (File.Exists config) then
            usageError $"--model: {dir} has no config.json."

        config, dir
    | None, Some config, Some weights -> requireFile "--config" config, requireFile "--weights" weights
    | _ -> usageError "give either --model DIR, or both --config and --weights."

/// The tensor `name` of a safetensors `file`; bad usage naming what the file holds when it is absent.
let readTensor (file: string, name: string) =
    use source = SafetensorsFile.Open file

    if not (source.Contains name) then
        let held = String.Join(", ", source.Keys)
        usageError $"{file} has no tensor '{name}' (it holds {held})."

    source.Read name

let shape (tensor: torch.Tensor) =
    "[" + String.Join(", ", tensor.shape) + "]"

/// Bad usage unless `tensor` is [1, L, textDim].
let checkText (flag: string) (textDim: int) (tensor: torch.Tensor) =
    if tensor.ndim <> 3L || tensor.shape[0] <> 1L || tensor.shape[2] <> int64 textDim then
        usageError $"{flag}: the tensor has shape {shape tensor}; expected [1, L, {textDim}]."

/// Bad usage unless `tensor` is initial noise [1, C, F, H, W] for the model.
let checkNoise (flag: string) (config: WanConfig) (tensor: torch.Tensor) =
    if
        tensor.ndim <> 5L
        || tensor.shape[0] <> 1L
        || tensor.shape[1] <> int64 config.InChannels
    then
        usageError $"{flag}: the tensor has shape {shape tensor}; expected [1, {config.InChannels}, F, H, W]."

/// Bad usage unless `tensor` is initial noise [B, C, F, H, W] for the model, one row per clip; returns B.
let checkNoiseBatch (flag: string) (config: WanConfig) (tensor: torch.Tensor) =
    if
        tensor.ndim <> 5L
        || tensor.shape[0] < 1L
        || tensor.shape[1] <> int64 config.InChannels
    then
        usageError
            $"{flag}: the tensor has shape {shape tensor}; expected [B, {config.InChannels}, F, H, W] (a row per clip, B >= 1)."

    int tensor.shape[0]

/// Bad usage unless `tensor` is [clips, L, textDim] (a row per clip) or [1, L, textDim] (one row for every clip).
let checkTextRows (flag: string) (textDim: int) (clips: int) (tensor: torch.Tensor) =
    if
        tensor.ndim <> 3L
        || (tensor.shape[0] <> 1L && tensor.shape[0] <> int64 clips)
        || tensor.shape[2] <> int64 textDim
    then
        let expected =
            if clips = 1 then
                $"[1, L, {textDim}]"
            else
                $"[{clips}, L, {textDim}] (a row per clip of --init-noise) or [1, L, {textDim}] (one row for every clip)"

        usageError $"{flag}: the tensor has shape {shape tensor}; expected {expected}."
