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
