namespace RhymeFlow.Core

/// The shape of a video diffusion transformer run: model, clip and batch.
type Geometry =
    {
        Layers: int
        Dim: int
        Heads: int
        FfnDim: int
        TokensPerFrame: int
        Frames: int
        TextTokens: int
        /// 2 with classifier-free guidance (cond and uncond).
        CfgBatch: int
        BytesPerElement: int
    }

/// How a model's text tokens enter its blocks, which decides what the text costs per evaluation.
type TextAttention =
    /// Wan: each block cross-attends from the video tokens to the text, whose K/V are projected per
    /// evaluation; the text tokens are never queries.
    | CrossAttention
    /// CogVideoX and HunyuanVideo: the text tokens join every self-attention sequence and run
    /// through every block's projections and feed-forward, as queries and as keys, in full and in
    /// keyframe-only evaluations alike. There is no cross-attention.
    | JointAttention

/// The predicted cost of one evaluation. FLOPs count 2·m·n·k per matmul (attention included);
/// ContextBytes is the non-keyframe context resident for it (recorded by a full evaluation, read
/// by an active one); ActivationBytes estimates the peak of its largest per-layer intermediate.
type EvaluationCost =
    {
        Flops: float
        ContextBytes: float
        ActivationBytes: float
    }

/// The cost of a plan against the dense plan on Sampling.Steps steps. Speedup = DenseFlops/Flops.
type PlanCost =
    {
        Evaluations: EvaluationCost list
        Flops: float
        DenseFlops: float
        Speedup: float
        PeakContextBytes: float
        PeakActivationBytes: float
    }

[<RequireQualifiedAccess>]
module Cost =
    /// Wan2.1-T2V-1.3B at 480p, 81 video frames: 21 latent frames x 1560 tokens, text 512, CFG 2, bf16.
    [<CompiledName("Wan13B480p")>]
    val wan13B480p: Geometry

    /// Wan2.1-T2V-1.3B at 720p: 21 latent frames x 3600 tokens.
    [<CompiledName("Wan13B720p")>]
    val wan13B720p: Geometry

    /// Wan2.1-T2V-14B at 480p.
    [<CompiledName("Wan14B480p")>]
    val wan14B480p: Geometry

    /// Wan2.1-T2V-14B at 720p.
    [<CompiledName("Wan14B720p")>]
    val wan14B720p: Geometry

    /// CogVideoX1.5-5B at its default 1360x768, 81 video frames: 21 latent frames padded to 22,
    /// so 11 temporal tokens (plan frames) x 48x85 = 4080 tokens, dim 3072 (48 heads), 42 layers,
    /// FFN 4 x dim, 226 text tokens, CFG 2, bf16. Cost it with `ofPlanWith JointAttention`.
    [<CompiledName("CogVideoX15_5B")>]
    val cogVideoX15_5B: Geometry

    /// HunyuanVideo (13B) at its pipeline's defaults, 720x1280 and 129 video frames: 33 latent frames
    /// x 45x80 = 3600 tokens, 256 text tokens (the Llama prompt after the template crop), embedded
    /// guidance (CFG batch 1), bf16, dim 3072 (24 heads), FFN 4 x dim. Layers counts the 20 dual- and
    /// 40 single-stream blocks alike: both spend 12·d² of projections per token at mlp_ratio 4 (dual:
    /// q, k, v, out and the FFN; single: q, k, v, the MLP and its (d + 4d) -> d output). Cost it with
    /// `ofPlanWith JointAttention`.
    [<CompiledName("HunyuanVideo720p")>]
    val hunyuanVideo720p: Geometry

    /// The built-in model (rhymeflow-mini): 16 frames x 16 tokens, dim 256, 4 layers, FFN 512, f32.
    [<CompiledName("Mini")>]
    val mini: Geometry

    /// The cost of one evaluation of a plan. Context modes change what an Active evaluation
    /// computes: LayerKv reads cached K/V; LayerHidden recomputes non-keyframe K/V from cached
    /// hidden states; ProjectedLatents runs the non-keyframe tokens through every layer (a full
    /// pass); KeyframesOnly attends over keyframe tokens only.
    [<CompiledName("OfEvaluation")>]
    val ofEvaluation: geometry: Geometry -> plan: Plan -> evaluation: Evaluation -> EvaluationCost

    /// `ofEvaluation` for a model whose text enters as `text` says.
    [<CompiledName("OfEvaluationWith")>]
    val ofEvaluationWith:
        text: TextAttention -> geometry: Geometry -> plan: Plan -> evaluation: Evaluation -> EvaluationCost

    /// `ofPlan` with the shares of each evaluation's per-layer video queries and keys/values that
    /// token reduction keeps in the self-attention scores (joint text tokens always stay), and extra
    /// FLOPs per evaluation (its matching).
    val internal ofPlanScaled:
        text: TextAttention ->
        keep: (Evaluation -> int -> float * float) ->
        extraFlops: (Evaluation -> float) ->
        geometry: Geometry ->
        plan: Plan ->
            Result<PlanCost, ValidationError>

    /// The cost of a whole plan for a cross-attention model (Wan). Errors name `geometry.frames`
    /// when it differs from the plan's.
    [<CompiledName("OfPlan")>]
    val ofPlan: geometry: Geometry -> plan: Plan -> Result<PlanCost, ValidationError>

    /// The cost of a whole plan for a model whose text enters as `text` says; `ofPlan` is
    /// `ofPlanWith CrossAttention`.
    [<CompiledName("OfPlanWith")>]
    val ofPlanWith: text: TextAttention -> geometry: Geometry -> plan: Plan -> Result<PlanCost, ValidationError>
