/// The video transformer families the verbs know, as data: what each publishes (its preset, cost-model geometry,
/// sampler and the paper's figure) and, for the families behind the executor's seam, how to build one.
module RhymeFlow.Cli.Families

open TorchSharp
open RhymeFlow.Core
open RhymeFlow.Host.Models
open RhymeFlow.Host.Models.CogVideoX
open RhymeFlow.Host.Models.HunyuanVideo
open RhymeFlow.Cli.Failure

/// A family behind IVideoTransformer: what `sample` and `bench` need, and nothing family-specific beyond it.
type SeamFamily =
    {
        /// The model from a config.json and its weights.
        Load: string -> string -> torch.ScalarType -> torch.Device -> IVideoTransformer
        /// A model with initial (untrained) weights at a width a 2-core CPU runs in seconds, for `bench`.
        Small: torch.ScalarType -> torch.Device -> IVideoTransformer
        /// `Small`'s patch: latent frames per plan frame and latent pixels per token side; `bench` checks its clip
        /// against it before building anything.
        SmallPatch: int * int
        /// The pooled prompt width of a family whose prompt carries a mask and pooled embeddings (HunyuanVideo):
        /// `bench` makes them; None for the others.
        PooledDim: int option
        /// Its pipeline's default guidance scale.
        Guidance: float
    }

/// A published family: its inspect preset, its default geometry in the cost model and what the paper measured there.
type Family =
    {
        Family: VideoFamily
        /// The preset's name on the command line (`inspect --preset`, `plan --geometry`).
        Preset: string
        /// The published model's architecture in words.
        Describe: string
        /// The published model built on the meta device (shapes only, no memory); the caller disposes it.
        Meta: unit -> torch.nn.Module
        Geometry: Geometry
        /// How its text enters the attention (the cost model counts it).
        Text: TextAttention
        /// Its pipeline's sampler.
        Sampling: Sampling
        /// The paper's measured speedup of the default schedule, when it reports one.
        PaperSpeedup: float option
        /// How to build it behind the seam; None while the family is not there yet.
        Seam: SeamFamily option
    }

let private meta = torch.Device "meta"

let private hunyuanVideoDescription =
    let c = HunyuanVideoConfig.T2V

    $"HunyuanVideo: {c.NumLayers} dual-stream + {c.NumSingleLayers} single-stream blocks, {c.NumRefinerLayers} refiner blocks, {c.NumAttentionHeads} heads x {c.AttentionHeadDim} = dim {c.InnerDim}, mlp {c.MlpDim}, in {c.InChannels} / out {c.OutChannels} channels, text {c.TextEmbedDim} + pooled {c.PooledProjectionDim}, embedded guidance"

let private cogVideoXDescription =
    let c = CogVideoXConfig.CogVideoX1_5_5B

    $"CogVideoX-1.5: {c.NumLayers} layers, {c.NumAttentionHeads} heads x {c.AttentionHeadDim} = dim {c.InnerDim}, patch {c.PatchSize}x{c.PatchSize}, {c.PatchSizeT} latent frames per temporal token, in {c.InChannels} / out {c.OutChannels} channels, text {c.TextEmbedDim} ({c.MaxTextSeqLength} tokens)"

// The published block mix (1 dual : 2 single) at 1/12 of the width.
let private smallHunyuanVideo =
    HunyuanVideoConfig(
        InChannels = 16,
        OutChannels = 16,
        NumAttentionHeads = 4,
        AttentionHeadDim = 64,
        NumLayers = 2,
        NumSingleLayers = 4,
        NumRefinerLayers = 1,
        MlpRatio = 4.0,
        PatchSize = 2,
        PatchSizeT = 1,
        QkNorm = HunyuanVideoConfig.RmsNorm,
        GuidanceEmbeds = true,
        TextEmbedDim = 64,
        PooledProjectionDim = 32,
        RopeTheta = 256.0,
        RopeAxesDim = struct (16, 24, 24)
    )

// The 1.5 patching (2 latent frames per temporal token) at 1/12 of the published width, 6 of its 42 layers.
let private smallCogVideoX =
    CogVideoXConfig(
        NumAttentionHeads = 4,
        AttentionHeadDim = 64,
        InChannels = 16,
        OutChannels = 16,
        TimeEmbedDim = 64,
        TextEmbedDim = 64,
        NumLayers = 6,
        AttentionBias = true,
        SampleHeight = 300,
        SampleWidth = 300,
        SampleFrames = 81,
        PatchSize = 2,
        PatchSizeT = 2,
        TemporalCompressionRatio = 4,
        MaxTextSeqLength = 16,
        NormEps = 1e-5
    )

let private hunyuanVideo =
    {
        Load =
            fun config weights dtype device ->
                let model =
                    HunyuanVideoTransformer.Create(HunyuanVideoConfig.FromJson config, dtype, device)

                model.LoadWeights weights |> ignore
                model
        Small = fun dtype device -> HunyuanVideoTransformer.Create(smallHunyuanVideo, dtype, device)
        SmallPatch = smallHunyuanVideo.PatchSizeT, smallHunyuanVideo.PatchSize
        PooledDim = Some smallHunyuanVideo.PooledProjectionDim
        Guidance = 6.0
    }

let private cogVideoX =
    {
        Load = fun config weights dtype device -> CogVideoXTransformer.Load(config, weights, dtype, device)
        Small = fun dtype device -> CogVideoXTransformer.Create(smallCogVideoX, dtype, device)
        SmallPatch = smallCogVideoX.PatchSizeT, smallCogVideoX.PatchSize
        PooledDim = None
        Guidance = 6.0
    }

/// Every family with a preset. Putting a family behind the seam is its `Seam = Some ...` here.
let all =
    [
        {
            Family = VideoFamily.CogVideoX
            Preset = "cogvideox1.5-5b"
            Describe = cogVideoXDescription
            Meta =
                fun () -> CogVideoXTransformer.Create(CogVideoXConfig.CogVideoX1_5_5B, torch.ScalarType.BFloat16, meta)
            Geometry = Cost.cogVideoX15_5B
            Text = JointAttention
            Sampling = Spec.cogVideoXSampling
            PaperSpeedup = Some 1.93
            Seam = Some cogVideoX
        }
        {
            Family = VideoFamily.HunyuanVideo
            Preset = "hunyuanvideo"
            Describe = hunyuanVideoDescription
            Meta = fun () -> HunyuanVideoTransformer.Create(HunyuanVideoConfig.T2V, torch.ScalarType.BFloat16, meta)
            Geometry = Cost.hunyuanVideo720p
            Text = JointAttention
            Sampling = Spec.hunyuanVideoSampling
            PaperSpeedup = Some 2.60
            Seam = Some hunyuanVideo
        }
    ]

/// The preset names, for help texts.
let presetNames = all |> List.map (fun f -> f.Preset) |> String.concat ", "

/// The entry of a family other than Wan.
let ofFamily (family: VideoFamily) =
    all |> List.find (fun f -> f.Family = family)

/// The seam entry of a family other than Wan, or bad usage naming the family and the verb when it is not there yet.
let seam (verb: string) (family: VideoFamily) =
    match (ofFamily family).Seam with
    | Some entry -> entry
    | None ->
        usageError
            $"`{verb}` does not support {family} yet: it runs behind the executor's model seam (IVideoTransformer) only once the family implements it; `forward`, `plan` and `inspect --preset` work for it today."
