/// The `generate` verb's flags, with their help texts: the built-in model and Wan pipeline folders share them.
module RhymeFlow.Cli.GenerateArguments

open Argu

type GenerateArgs =
    | [<MainCommand; ExactlyOnce>] Caption of caption: string
    | Model of dir: string
    | Negative of prompt: string
    | Frames of frames: int
    | Height of pixels: int
    | Width of pixels: int
    | Prompt_Embeds of file: string
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
    | Seed of seed: int
    | Batch of clips: int
    | Max_Batch of clips: int
    | Compare of schedule: string
    | Device of device: string
    | Dtype of dtype: string
    | Out of dir: string
    | Cluster of address: string
    | Results of dir: string
    | Lease of seconds: float
    | Detach
    | Quiet

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Caption _ ->
                "what to show: any prompt for a Wan 2.1 folder; for the built-in model, its grammar: a COLOUR SHAPE [and a COLOUR SHAPE] MOTION [slowly|quickly]."
            | Model _ ->
                "a Wan 2.1 pipeline folder in diffusers layout (model_index.json, transformer/, text_encoder/, tokenizer/, vae/, scheduler/), or a built-in-format package folder (config.json, model.safetensors, vocabulary.txt); default: the built-in model's package under assets/models/rhymeflow-mini."
            | Negative _ -> "Wan folder only: the negative prompt for classifier-free guidance (default empty)."
            | Frames _ -> "Wan folder only: video frames, 1 + 4k (default 81)."
            | Height _ -> "Wan folder only: video height in pixels (default 480)."
            | Width _ -> "Wan folder only: video width in pixels (default 832)."
            | Prompt_Embeds _ ->
                "umT5 embeddings FILE.safetensors (not supported yet; for a real Wan checkpoint give its pipeline folder as --model)."
            | Schedule _ ->
                "dense, rhymeflow (the default), fewer-steps (with --fewer N) or a schedule JSON file; TeaCache and the first-block cache are --cache."
            | Solver _ -> ScheduleHelp.Solver
            | Shift _ -> ScheduleHelp.Shift
            | Steps _ ->
                ScheduleHelp.Steps
                + " rhymeflow's warm-up follows as steps / 5 unless --warmup."
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
            | Guidance _ -> "classifier-free guidance scale; 1 disables it (default 5)."
            | Seed _ -> "noise seed of the first clip (default 0); clip i of a batch uses seed + i."
            | Batch _ -> "clips to generate, one per seed (default 1), denoised together up to --max-batch at a time."
            | Max_Batch _ ->
                "built-in model only: the most clips denoised in one run (default 8); more fill the device better and take more memory."
            | Compare _ ->
                "also run this schedule (dense) on the same seeds: speedup, PSNR/SSIM against it, adherence of both."
            | Device _ -> "cpu (default) or cuda."
            | Dtype _ -> "float32 (default), bfloat16 or float16: the transformer's compute dtype."
            | Out _ -> "output folder (default out/<slug of the caption>)."
            | Cluster _ ->
                "built-in model only: redis://HOST:PORT; one job per seed on the cluster's workers (start them with `rhymeflow worker`), with --cache and --reduction as here (not --compare), the same outputs as --max-batch 1 here. Running the same command again reattaches."
            | Results _ ->
                "with --cluster: the results folder every worker reaches by this same path (default <--out>/results)."
            | Lease _ -> "with --cluster: seconds a job stays with a worker that stopped renewing it (default 10)."
            | Detach ->
                "with --cluster: submit, print the batch's id and return; run the same command to wait and write."
            | Quiet -> "no progress output."
