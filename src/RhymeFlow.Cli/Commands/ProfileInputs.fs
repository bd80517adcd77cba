/// What `profile` denoises, from a built-in package and a caption or from a transformer checkpoint of any family.
module RhymeFlow.Cli.Commands.ProfileInputs

open System
open System.Diagnostics
open System.Globalization
open System.IO
open System.Text
open System.Threading
open Argu
open RhymeFlow.Core
open TorchSharp
open RhymeFlow.Host.Acceleration.AsymRnR
open RhymeFlow.Host.BuiltIn
open RhymeFlow.Host.Execution
open RhymeFlow.Host.Models
open RhymeFlow.Host.Models.Wan
open RhymeFlow.Cli.Arguments
open RhymeFlow.Cli
open RhymeFlow.Cli.Failure
open RhymeFlow.Cli.ModelInputs


/// What the profiled run denoises: a transformer behind the model seam with its prompt and noise, on its family's
/// sampler. Disposes what it loaded.
type ProfileInputs =
    {
        Transformer: IVideoTransformer
        Family: VideoFamily
        Sampling: Sampling
        Guidance: float
        Prompt: torch.Tensor
        Negative: torch.Tensor
        Mask: torch.Tensor
        Pooled: torch.Tensor
        Noise: torch.Tensor
        Owned: IDisposable list
    }

    interface IDisposable with
        member this.Dispose() =
            for owned in List.rev this.Owned do
                owned.Dispose()

/// A built-in package and a caption: the package's own prompt encoder and the generator's seeded noise.
let builtInInputs (args: ParseResults<ProfileArgs>) (dir: string) (caption: string) device dtype =
    rejectGiven
        (fun flag ->
            $"{flag} applies to a transformer checkpoint; {dir} is a built-in model package, profiled on the caption.")
        [
            "--prompt-embeds", args.Contains ProfileArgs.Prompt_Embeds
            "--negative-embeds", args.Contains ProfileArgs.Negative_Embeds
            "--init-noise", args.Contains ProfileArgs.Init_Noise
        ]

    try
        Caption.Parse caption |> ignore
    with :? FormatException as e ->
        usageError $"the caption: {e.Message}"

    let model = MiniModel.Load(dir, device, dtype)

    use embeddings =
        use _ = torch.no_grad ()
        model.EncodePrompts [| caption; "" |]

    use cpuNoise =
        MiniVideoGenerator.InitialNoise(int64 (args.GetResult(ProfileArgs.Seed, defaultValue = 0)))

    let prompt = embeddings.narrow(0, 0, 1).contiguous()
    let negative = embeddings.narrow(0, 1, 1).contiguous()
    let noise = cpuNoise.``to`` model.Device

    {
        Transformer = model.Transformer
        Family = VideoFamily.Wan
        Sampling = Spec.defaultSampling
        Guidance = 5.0
        Prompt = prompt
        Negative = negative
        Mask = null
        Pooled = null
        Noise = noise
        Owned = [ model; prompt; negative; noise ]
    }

let private required (flag: string) (value: string option) =
    match value with
    | Some reference -> Options.tensorReference flag reference
    | None -> usageError $"{flag} is required to profile a transformer checkpoint (FILE.safetensors:TENSOR)."

/// A checkpoint of a family behind the model seam (CogVideoX, HunyuanVideo): its pipeline's sampler and guidance, its
/// prompt extras from the command line; the family checks the shapes when the run prepares its conditioning.
let private seamInputs (args: ParseResults<ProfileArgs>) (family: VideoFamily) configPath weightsPath device dtype =
    let entry = Families.ofFamily family
    let seam = Families.seam "profile" family

    let optional flag (value: string option) =
        value |> Option.map (Options.tensorReference flag >> readTensor) |> Option.toObj

    let noise =
        readTensor (required "--init-noise" (args.TryGetResult ProfileArgs.Init_Noise))

    if noise.ndim <> 5L then
        usageError $"--init-noise: the tensor has shape {shape noise}; expected [B, C, F, H, W]."

    let prompt =
        readTensor (required "--prompt-embeds" (args.TryGetResult ProfileArgs.Prompt_Embeds))

    let negative =
        optional "--negative-embeds" (args.TryGetResult ProfileArgs.Negative_Embeds)

    let mask = optional "--prompt-mask" (args.TryGetResult ProfileArgs.Prompt_Mask)

    let pooled =
        optional "--pooled-embeds" (args.TryGetResult ProfileArgs.Pooled_Embeds)

    let model = seam.Load configPath weightsPath dtype device

    {
        Transformer = model
        Family = family
        Sampling = entry.Sampling
        Guidance = seam.Guidance
        Prompt = prompt
        Negative = negative
        Mask = mask
        Pooled = pooled
        Noise = noise
        Owned =
            (model :?> IDisposable)
            :: ([ prompt; noise; negative; mask; pooled ]
                |> List.filter (isNull >> not)
                |> List.map (fun t -> t :> IDisposable))
    }

/// A Wan transformer with embeddings and noise from safetensors files, checked before the model is loaded.
let private wanInputs (args: ParseResults<ProfileArgs>) configPath (weightsPath: string) device dtype =
    rejectGiven
        (fun flag -> $"{flag}: Wan takes no such input (it is HunyuanVideo's).")
        [
            "--prompt-mask", args.Contains ProfileArgs.Prompt_Mask
            "--pooled-embeds", args.Contains ProfileArgs.Pooled_Embeds
        ]

    let prompt =
        required "--prompt-embeds" (args.TryGetResult ProfileArgs.Prompt_Embeds)

    let negative =
        args.TryGetResult ProfileArgs.Negative_Embeds
        |> Option.map (Options.tensorReference "--negative-embeds")

    let noise = required "--init-noise" (args.TryGetResult ProfileArgs.Init_Noise)
    let config = WanConfig.FromJson configPath
    let promptEmbeddings = readTensor prompt
    checkText "--prompt-embeds" config.TextDim promptEmbeddings
    let initialNoise = readTensor noise
    checkNoise "--init-noise" config initialNoise
    let negativeEmbeddings = negative |> Option.map readTensor |> Option.toObj

    if not (isNull negativeEmbeddings) then
        checkText "--negative-embeds" config.TextDim negativeEmbeddings

    let model = WanTransformer.Create(config, dtype, device)
    model.LoadWeights weightsPath |> ignore

    {
        Transformer = model
        Family = VideoFamily.Wan
        Sampling = Spec.defaultSampling
        Guidance = 5.0
        Prompt = promptEmbeddings
        Negative = negativeEmbeddings
        Mask = null
        Pooled = null
        Noise = initialNoise
        Owned =
            [ model; promptEmbeddings; initialNoise ]
            @ (if isNull negativeEmbeddings then
                   []
               else
                   [ negativeEmbeddings ])
    }

/// A transformer checkpoint of any family, detected from its config.
let transformerInputs (args: ParseResults<ProfileArgs>) device dtype =
    if args.Contains ProfileArgs.Caption then
        usageError
            "a caption needs a built-in model package as --model; a transformer checkpoint takes --prompt-embeds and --init-noise."

    let configPath, weightsPath =
        modelPaths
            (args.TryGetResult ProfileArgs.Model)
            (args.TryGetResult ProfileArgs.Config)
            (args.TryGetResult ProfileArgs.Weights)

    // The family first, so that another family's config is named as such rather than misread as Wan's.
    let struct (family, _) = VideoFamilies.Detect configPath

    if family = VideoFamily.Wan then
        wanInputs args configPath weightsPath device dtype
    else
        seamInputs args family configPath weightsPath device dtype
