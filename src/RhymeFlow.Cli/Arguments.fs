/// The command line as data: one union per verb, every flag with its help text.
module RhymeFlow.Cli.Arguments

open Argu
open RhymeFlow.Cli.GenerateArguments
open RhymeFlow.Cli.StudyArguments

type ForwardArgs =
    | Component of name: string
    | [<Mandatory>] Config of path: string
    | [<Mandatory>] Weights of path: string
    | [<Mandatory>] Inputs of path: string
    | [<Mandatory>] Out of path: string
    | Dtype of dtype: string
    | Device of device: string

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Component _ -> "transformer (default), vae-decode, vae-encode or text-encoder."
            | Config _ -> "config.json of the component (diffusers for the transformer and VAE, transformers for umT5)."
            | Weights _ ->
                "checkpoint: a .safetensors file, a sharded .safetensors.index.json, or a folder (the transformer: diffusers or original Wan keys)."
            | Inputs _ ->
                "safetensors case, named as the fixtures name them: transformer (the family is told from --config): hidden_states, timestep, encoder_hidden_states, and for HunyuanVideo also encoder_attention_mask, pooled_projections and guidance (CogVideoX's hidden_states are [B,F,C,H,W]); vae-decode: latents [B,z,F,h,w]; vae-encode: video [B,3,1+4k,H,W]; text-encoder: input_ids and attention_mask [B,L]."
            | Out _ ->
                "safetensors file to write (float32): 'sample' (transformer), 'decoded' (vae-decode), 'encoded_mean' (vae-encode) or 'last_hidden_state' (text-encoder)."
            | Dtype _ -> "float32 (default), bfloat16 or float16."
            | Device _ -> "cpu (default) or cuda."

type SampleArgs =
    | Model of dir: string
    | Config of path: string
    | Weights of path: string
    | [<Mandatory>] Prompt_Embeds of file_tensor: string
    | Negative_Embeds of file_tensor: string
    | Prompt_Mask of file_tensor: string
    | Pooled_Embeds of file_tensor: string
    | [<Mandatory>] Init_Noise of file_tensor: string
    | Schedule of name_or_file: string
    | Solver of solver: string
    | Shift of shift: float
    | Steps of steps: int
    | Fewer of steps: int
    | Warmup of steps: int
    | Keyframe_Count of count: int
    | Min_Skip of steps: int
    | Max_Skip of steps: int
    | Projection of projection: string
    | Context of context: string
    | Strategy of strategy: string
    | Reduction of name_or_file: string
    | Q_Ratio of ratio: float
    | Kv_Ratio of ratio: float
    | Reduce_From_Step of fraction: float
    | Reduce_From_Block of block: int
    | Reuse_Steps of steps: int
    | Stride of stride: string
    | Cache of cache: string
    | Cache_Threshold of threshold: float
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
            | Prompt_Embeds _ ->
                "prompt embeddings as FILE.safetensors:TENSOR, shaped [B, L, text_dim] (a row per clip of --init-noise) or [1, L, text_dim] (one row for every clip)."
            | Negative_Embeds _ ->
                "negative-prompt embeddings as FILE.safetensors:TENSOR, B rows or one row like --prompt-embeds (zeros when absent)."
            | Prompt_Mask _ ->
                "HunyuanVideo: the prompt's attention mask as FILE.safetensors:TENSOR, [B or 1, L] (1 for valid tokens, a prefix)."
            | Pooled_Embeds _ ->
                "HunyuanVideo: the pooled prompt embeddings as FILE.safetensors:TENSOR, [B or 1, pooled_projection_dim]."
            | Init_Noise _ ->
                "initial noise as FILE.safetensors:TENSOR, shaped [B, C, F, H, W]: B clips denoised as one batch (one plan, keyframes chosen from the batch)."
            | Schedule _ -> ScheduleHelp.Schedule
            | Solver _ -> ScheduleHelp.Solver
            | Shift _ -> ScheduleHelp.Shift
            | Steps _ -> ScheduleHelp.Steps
            | Fewer _ -> ScheduleHelp.Fewer
            | Warmup _ -> ScheduleHelp.Warmup
            | Keyframe_Count _ -> ScheduleHelp.KeyframeCount
            | Min_Skip _ -> ScheduleHelp.MinSkip
            | Max_Skip _ -> ScheduleHelp.MaxSkip
            | Projection _ -> ScheduleHelp.Projection
            | Context _ -> ScheduleHelp.Context
            | Strategy _ -> ScheduleHelp.Strategy
            | Reduction _ -> ReductionHelp.Reduction
            | Q_Ratio _ -> ReductionHelp.QRatio
            | Kv_Ratio _ -> ReductionHelp.KvRatio
            | Reduce_From_Step _ -> ReductionHelp.ReduceFromStep
            | Reduce_From_Block _ -> ReductionHelp.ReduceFromBlock
            | Reuse_Steps _ -> ReductionHelp.ReuseSteps
            | Stride _ -> ReductionHelp.Stride
            | Cache _ -> CacheHelp.Cache
            | Cache_Threshold _ -> CacheHelp.CacheThreshold
            | Guidance _ ->
                "guidance scale: Wan's classifier-free guidance, 1 disables it (default 5); HunyuanVideo's embedded guidance (default 6)."
            | Keyframes _ -> "comma-separated keyframe indices, instead of selecting them from the clean estimate."
            | Out _ -> "safetensors file to write; the final latents are stored as 'latents'."
            | Dtype _ -> "float32 (default), bfloat16 or float16."
            | Device _ -> "cpu (default) or cuda."
            | Quiet -> "no progress output."

type PlanArgs =
    | Schedule of name_or_file: string
    | Solver of solver: string
    | Shift of shift: float
    | Steps of steps: int
    | Fewer of steps: int
    | Warmup of steps: int
    | Keyframe_Count of count: int
    | Min_Skip of steps: int
    | Max_Skip of steps: int
    | Projection of projection: string
    | Context of context: string
    | Strategy of strategy: string
    | Reduction of name_or_file: string
    | Q_Ratio of ratio: float
    | Kv_Ratio of ratio: float
    | Reduce_From_Step of fraction: float
    | Reduce_From_Block of block: int
    | Reuse_Steps of steps: int
    | Stride of stride: string
    | Frames of frames: int
    | Keyframes of frames: string
    | Geometry of geometry: string
    | Png of path: string
    | Json of path: string

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Schedule _ -> ScheduleHelp.Schedule
            | Solver _ -> ScheduleHelp.Solver
            | Shift _ -> ScheduleHelp.Shift
            | Steps _ -> ScheduleHelp.Steps
            | Fewer _ -> ScheduleHelp.Fewer
            | Warmup _ -> ScheduleHelp.Warmup
            | Keyframe_Count _ -> ScheduleHelp.KeyframeCount
            | Min_Skip _ -> ScheduleHelp.MinSkip
            | Max_Skip _ -> ScheduleHelp.MaxSkip
            | Projection _ -> ScheduleHelp.Projection
            | Context _ -> ScheduleHelp.Context
            | Strategy _ -> ScheduleHelp.Strategy
            | Reduction _ -> ReductionHelp.Reduction
            | Q_Ratio _ -> ReductionHelp.QRatio
            | Kv_Ratio _ -> ReductionHelp.KvRatio
            | Reduce_From_Step _ -> ReductionHelp.ReduceFromStep
            | Reduce_From_Block _ -> ReductionHelp.ReduceFromBlock
            | Reuse_Steps _ -> ReductionHelp.ReuseSteps
            | Stride _ -> ReductionHelp.Stride
            | Frames _ -> "latent frames F (default: the geometry's, 21 for the Wan presets)."
            | Keyframes _ ->
                "comma-separated keyframe indices, e.g. 0,10,20 (default: a data-free preview set of M frames, exact for counts and cost)."
            | Geometry _ ->
                "model and resolution for the predicted cost: wan2.1-1.3b@480p (default), wan2.1-1.3b@720p, wan2.1-14b@480p, wan2.1-14b@720p, mini, or a family's default geometry with its sampler: cogvideox1.5-5b (1360x768, 81 frames; DDIM) or hunyuanvideo (720x1280, 129 frames; Euler shift 7 on its linspace ladder), with the paper's speedup."
            | Png _ -> "also write a PNG picture of the frames x steps grid."
            | Json _ -> "also write the compiled plan as JSON (readable by PlanView.FromJson)."

type InspectArgs =
    | [<MainCommand; Unique>] Checkpoint of checkpoint: string
    | Config of path: string
    | Preset of preset: string

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Checkpoint _ ->
                "a .safetensors file, a sharded .safetensors.index.json, or a folder (optional with --preset)."
            | Config _ ->
                "diffusers config.json to check the shapes against (default: config.json beside the checkpoint)."
            | Preset _ ->
                "a published model, built on the meta device: its parameter summary, and the shapes a CHECKPOINT is checked against: 1.3b (Wan2.1-T2V-1.3B), 14b (Wan2.1-T2V-14B), cogvideox1.5-5b or hunyuanvideo."

type BenchArgs =
    | Family of family: string
    | Geometry of geometry: string
    | Model of model: string
    | Frames of frames: int
    | Height of height: int
    | Width of width: int
    | Text_Len of tokens: int
    | Schedules of list: string
    | Steps of steps: int
    | Guidance of scale: float
    | Shift of shift: float
    | Warmup of steps: int
    | Keyframe_Count of count: int
    | Min_Skip of steps: int
    | Max_Skip of steps: int
    | Cache of cache: string
    | Cache_Threshold of threshold: float
    | Device of device: string
    | Dtype of dtype: string
    | Repeats of rounds: int
    | Seed of seed: int
    | No_Tf32
    | Plan_Only
    | Markdown of path: string

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Family _ ->
                "instead of the Wan loop: dense against the default RhymeFlow schedule (or the rows --schedules names) on a small random model of a family behind the model seam (hunyuanvideo or cogvideox1.5-5b), side by side, measured vs predicted speedup and the largest context held; 8 latent frames of 16x16 and 16 text tokens unless --frames/--height/--width/--text-len say otherwise."
            | Geometry _ ->
                "model and latent grid: wan2.1-1.3b@480p (default), wan2.1-1.3b@720p, wan2.1-14b@480p, wan2.1-14b@720p, mini or tiny (the built-in model's transformers, 16 frames of 16x16)."
            | Model _ -> "override the geometry's model: 1.3b, 14b, tiny-layers:N (1.3B width, N layers), mini or tiny."
            | Frames _ -> "override the latent frames (before temporal patching)."
            | Height _ -> "override the latent height."
            | Width _ -> "override the latent width."
            | Text_Len _ -> "override the text tokens."
            | Schedules _ ->
                "rows to time, comma-separated: dense,rhymeflow,authors,hidden-host,fewer,asymrnr,rhymeflow+asymrnr (default dense,rhymeflow,authors,fewer; the asymrnr rows add Q 0.5 / KV 0.3 token reduction). With --family: dense,rhymeflow,hidden,hidden-host,foca,asymrnr,rhymeflow+asymrnr, dense among them (default dense,rhymeflow; hidden and hidden-host keep hidden states on the device or host and recompute K/V, foca projects with FoCa)."
            | Steps _ -> "sampling steps of the dense baseline (default 50)."
            | Guidance _ -> "CFG scale; above 1 runs cond and uncond as one batch-2 call (default 5)."
            | Shift _ -> "UniPC flow shift (default 3)."
            | Warmup _ -> "RhymeFlow dense warm-up steps Tw (default steps / 5)."
            | Keyframe_Count _ -> "RhymeFlow keyframe budget M (default 2)."
            | Min_Skip _ -> "RhymeFlow progressive skip, shortest group (default 3)."
            | Max_Skip _ -> "RhymeFlow progressive skip, longest group (default 5)."
            | Cache _ -> CacheHelp.Cache
            | Cache_Threshold _ -> CacheHelp.CacheThreshold
            | Device _ -> "cpu or cuda (default: cuda where visible)."
            | Dtype _ ->
                "bf16, f16 or f32 (float32, bfloat16, float16 also accepted; default bf16 on cuda, f32 on cpu)."
            | Repeats _ -> "rounds; every row runs once per round, the order alternating (default 1)."
            | Seed _ -> "seed of the random weights and inputs (default 0)."
            | No_Tf32 -> "keep float32 matmuls in full precision on CUDA."
            | Plan_Only -> "print the cost model's view of each row and exit (no model is built)."
            | Markdown _ -> "append the table and notes to FILE as a Markdown section."

type TokenizeArgs =
    | [<MainCommand; ExactlyOnce>] Text of text: string
    | [<Mandatory>] Tokenizer of path: string
    | Max_Length of tokens: int

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Text _ -> "the text to tokenize."
            | Tokenizer _ ->
                "a SentencePiece unigram model, e.g. tokenizer/spiece.model of a Wan 2.1 folder, or a general one (then without the umT5 framing)."
            | Max_Length _ -> "umT5 framing: keep at most N - 1 tokens before eos, as the pipeline does (default 512)."

type ProfileArgs =
    | [<MainCommand>] Caption of caption: string
    | Model of dir: string
    | Config of path: string
    | Weights of path: string
    | Prompt_Embeds of file_tensor: string
    | Negative_Embeds of file_tensor: string
    | Prompt_Mask of file_tensor: string
    | Pooled_Embeds of file_tensor: string
    | Init_Noise of file_tensor: string
    | Solver of solver: string
    | Shift of shift: float
    | Steps of steps: int
    | Guidance of scale: float
    | Levels of levels: int
    | Query_Ratios of ratios: string
    | Kv_Ratios of ratios: string
    | Reuse_Steps of steps: int
    | Stride of stride: string
    | Seed of seed: int
    | [<Mandatory>] Out of dir: string
    | Dtype of dtype: string
    | Device of device: string
    | Quiet

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Caption _ ->
                "with a built-in model package as --model: the caption to profile on (its grammar; the noise comes from --seed)."
            | Model _ ->
                "a built-in model package (with a caption), or a transformer checkpoint folder holding config.json and the weights (with --prompt-embeds and --init-noise)."
            | Config _ -> "diffusers config.json of the transformer (instead of --model)."
            | Weights _ -> "checkpoint file, sharded index or folder (instead of --model)."
            | Prompt_Embeds _ ->
                "transformer only: prompt embeddings as FILE.safetensors:TENSOR, shaped [1, L, text_dim]."
            | Negative_Embeds _ ->
                "transformer only: negative-prompt embeddings as FILE.safetensors:TENSOR (zeros when absent)."
            | Prompt_Mask _ ->
                "HunyuanVideo only: the prompt's attention mask as FILE.safetensors:TENSOR, shaped [1, L]."
            | Pooled_Embeds _ ->
                "HunyuanVideo only: the pooled prompt embeddings as FILE.safetensors:TENSOR, shaped [1, pooled_dim]."
            | Init_Noise _ -> "transformer only: initial noise as FILE.safetensors:TENSOR, shaped [1, C, F, H, W]."
            | Solver _ ->
                "euler or unipc (Wan's default unipc); CogVideoX and HunyuanVideo default to their pipeline's sampler (DDIM; Euler)."
            | Shift _ -> "flow shift (default 3; HunyuanVideo 7)."
            | Steps _ -> "sampling steps of the dense run profiled, and of the runs the tiers are for (default 50)."
            | Guidance _ ->
                "classifier-free guidance scale; 1 disables it (default 5; CogVideoX and HunyuanVideo: their pipeline's 6)."
            | Levels _ -> "redundancy tiers: quantile bands of each feature's statistics (default 3)."
            | Query_Ratios _ ->
                "comma-separated fraction of queries removed per tier, least redundant first (default 0,0.3,0.5; required unless --levels 3)."
            | Kv_Ratios _ ->
                "comma-separated fraction of keys/values removed per tier (default 0,0.15,0.3; required unless --levels 3)."
            | Reuse_Steps _ -> ReductionHelp.ReuseSteps
            | Stride _ -> ReductionHelp.Stride
            | Seed _ ->
                "seed of the destination choice, for the profile and the reduction written, and of a built-in model's noise (default 0)."
            | Out _ ->
                "folder to write: tiers.json, statistics.csv (feature,block,step,value) and reduction.json (for --reduction)."
            | Dtype _ -> "float32 (default), bfloat16 or float16."
            | Device _ -> "cpu (default) or cuda."
            | Quiet -> "no progress output."

[<HelpFlags("--help", "-h")>]
type CliArgs =
    | [<CliPrefix(CliPrefix.None)>] Forward of ParseResults<ForwardArgs>
    | [<CliPrefix(CliPrefix.None)>] Sample of ParseResults<SampleArgs>
    | [<CliPrefix(CliPrefix.None)>] Plan of ParseResults<PlanArgs>
    | [<CliPrefix(CliPrefix.None)>] Inspect of ParseResults<InspectArgs>
    | [<CliPrefix(CliPrefix.None)>] Bench of ParseResults<BenchArgs>
    | [<CliPrefix(CliPrefix.None)>] Generate of ParseResults<GenerateArgs>
    | [<CliPrefix(CliPrefix.None)>] Tokenize of ParseResults<TokenizeArgs>
    | [<CliPrefix(CliPrefix.None)>] Profile of ParseResults<ProfileArgs>
    | [<CliPrefix(CliPrefix.None)>] Study of ParseResults<StudyArgs>
    | [<CliPrefix(CliPrefix.None)>] Worker of ParseResults<WorkerArgs>
    | [<CliPrefix(CliPrefix.None)>] Cluster_Bench of ParseResults<ClusterBenchArgs>
    | [<Inherit; AltCommandLine("-v")>] Verbose

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Forward _ ->
                "run one forward pass of a Wan 2.1 component (transformer, VAE, umT5) on a case file (parity checks)."
            | Sample _ -> "denoise initial noise into latents with a schedule (reproducible research runs)."
            | Plan _ -> "show a schedule's plan: the frames x steps grid, evaluation counts and predicted cost."
            | Inspect _ -> "list a checkpoint's tensors, detect its key format and check it against a config or preset."
            | Bench _ ->
                "time whole denoising loops of several schedules with random weights, in one run, with ratios against dense."
            | Generate _ ->
                "prompt → video with a Wan 2.1 pipeline folder, or caption → clip with the built-in model: GIF, MP4 (with ffmpeg), contact sheet, plan picture, report."
            | Tokenize _ ->
                "a text's SentencePiece ids and pieces, and the umT5 framing (eos appended) where the model has umT5's eos and pad ids."
            | Profile _ ->
                "run dense on a model and record per block and step how redundant the self-attention's Q, K and V tokens are: writes the tier table and a profiled reduction."
            | Study _ ->
                "run a study file on the built-in model: every row on the held-out captions, side by side, with speedup, PSNR/SSIM and adherence; writes a report, a Pareto picture and a contact sheet."
            | Worker _ ->
                "start a cluster worker (an Orleans silo) that holds one model and runs study jobs for its device until stopped."
            | Cluster_Bench _ ->
                "measure the cluster on this machine: clips/s with 1 and 2 local workers, per-job scheduling overhead against in-process, and recovery from a killed worker."
            | Verbose -> "show stack traces on failure."
