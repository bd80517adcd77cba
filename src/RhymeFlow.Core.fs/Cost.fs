namespace RhymeFlow.Core

type Geometry =
    {
        Layers: int
        Dim: int
        Heads: int
        FfnDim: int
        TokensPerFrame: int
        Frames: int
        TextTokens: int
        CfgBatch: int
        BytesPerElement: int
    }

type TextAttention =
    | CrossAttention
    | JointAttention

type EvaluationCost =
    {
        Flops: float
        ContextBytes: float
        ActivationBytes: float
    }

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
    let private wan layers dim heads ffn tokens =
        {
            Layers = layers
            Dim = dim
            Heads = heads
            FfnDim = ffn
            TokensPerFrame = tokens
            Frames = 21
            TextTokens = 512
            CfgBatch = 2
            BytesPerElement = 2
        }

    [<CompiledName("Wan13B480p")>]
    let wan13B480p = wan 30 1536 12 8960 (30 * 52)

    [<CompiledName("Wan13B720p")>]
    let wan13B720p = wan 30 1536 12 8960 (45 * 80)

    [<CompiledName("Wan14B480p")>]
    let wan14B480p = wan 40 5120 40 13824 (30 * 52)

    [<CompiledName("Wan14B720p")>]
    let wan14B720p = wan 40 5120 40 13824 (45 * 80)

    [<CompiledName("CogVideoX15_5B")>]
    let cogVideoX15_5B =
        {
            Layers = 42
            Dim = 3072
            Heads = 48
            FfnDim = 4 * 3072
            TokensPerFrame = (768 / 16) * (1360 / 16)
            Frames = 11
            TextTokens = 226
            CfgBatch = 2
            BytesPerElement = 2
        }

    [<CompiledName("HunyuanVideo720p")>]
    let hunyuanVideo720p =
        {
            Layers = 20 + 40
            Dim = 3072
            Heads = 24
            FfnDim = 4 * 3072
            TokensPerFrame = (720 / 16) * (1280 / 16)
            Frames = 33
            TextTokens = 256
            CfgBatch = 1
            BytesPerElement = 2
        }

    [<CompiledName("Mini")>]
    let mini =
        {
            Layers = 4
            Dim = 256
            Heads = 4
            FfnDim = 512
            TokensPerFrame = 16
            Frames = 16
            TextTokens = 16
            CfgBatch = 2
            BytesPerElement = 4
        }

    /// Tokens that run as queries, tokens whose K/V are projected fresh, tokens attended over.
    type private Work =
        {
            Queries: float
            FreshKv: float
            Keys: float
        }

    // Joint attention: the text tokens are queries, fresh keys and keys of every evaluation.
    let private withText text (g: Geometry) (w: Work) =
        match text with
        | CrossAttention -> w
        | JointAttention ->
            let textTokens = float g.TextTokens

            {
                Queries = w.Queries + textTokens
                FreshKv = w.FreshKv + textTokens
                Keys = w.Keys + textTokens
            }

    // One layer of one batch element: self-attention projections and scores, cross-attention with
    // the text K/V projected per evaluation (none for joint attention), and the FFN.
    // `queryKeep` and `keyValueKeep` are the shares of the video queries and keys/values that token
    // reduction keeps in the self-attention scores; 1 without it. Joint text tokens are never reduced.
    let private layerFlops (text: TextAttention) (g: Geometry) (video: Work) (queryKeep, keyValueKeep) =
        let d = float g.Dim
        let textTokens = float g.TextTokens

        let w = withText text g video

        let scores =
            match text with
            | CrossAttention -> 4.0 * w.Queries * w.Keys * d * (queryKeep * keyValueKeep)
            | JointAttention ->
                4.0
                * (video.Queries * queryKeep + textTokens)
                * (video.Keys * keyValueKeep + textTokens)
                * d

        let selfAttention =
            2.0 * w.Queries * d * d * 2.0 + 2.0 * w.FreshKv * d * d * 2.0 + scores

        let crossAttention =
            match text with
            | CrossAttention ->
                2.0 * w.Queries * d * d * 2.0
                + 2.0 * textTokens * d * d * 2.0
                + 4.0 * w.Queries * textTokens * d
            | JointAttention -> 0.0

        let ffn = 2.0 * w.Queries * d * float g.FfnDim * 2.0
        selfAttention + crossAttention + ffn

    // The residual stream plus the largest of the FFN hidden state and the Q/K/V triple.
    let private activation (g: Geometry) (w: Work) =
        let d = float g.Dim
        let largest = max (w.Queries * float g.FfnDim) ((w.Queries + 2.0 * w.Keys) * d)
        float g.CfgBatch * float g.BytesPerElement * (w.Queries * d + largest)

    let private contextBytes (g: Geometry) context nonKeyTokens =
        let perLayer =
            match context with
            | LayerKv -> 2.0
            | LayerHidden _ -> 1.0
            | ProjectedLatents
            | KeyframesOnly -> 0.0

        perLayer
        * float g.Layers
        * nonKeyTokens
        * float g.Dim
        * float g.BytesPerElement
        * float g.CfgBatch

    let private scaledCost text (g: Geometry) (keep: int -> float * float) (w: Work) context =
        {
            Flops =
                float g.CfgBatch
                * List.sum [ for layer in 0 .. g.Layers - 1 -> layerFlops text g w (keep layer) ]
            ContextBytes = context
            ActivationBytes = activation g (withText text g w)
        }

    let private cost text g w context =
        scaledCost text g (fun _ -> 1.0, 1.0) w context

    let private evaluationCost text (geometry: Geometry) keep (plan: Plan) (evaluation: Evaluation) =
        let g = geometry
        let cost = scaledCost text g (keep evaluation)
        let perFrame = float g.TokensPerFrame
        let all = float plan.Frames * perFrame

        let full =
            {
                Queries = all
                FreshKv = all
                Keys = all
            }

        match evaluation.Kind with
        | Correction -> cost full 0.0
        | Full record ->
            let mode =
                match plan.Spec.Schedule with
                | RhymeFlow r -> r.Context
                | Dense
                | FewerSteps _ -> KeyframesOnly

            cost full (contextBytes g mode (float record.Length * perFrame))
        | Active(frames, context) ->
            let keys = float frames.Length * perFrame
            let others = all - keys

            match context with
            | LayerKv ->
                cost
                    {
                        Queries = keys
                        FreshKv = keys
                        Keys = all
                    }
                    (contextBytes g context others)
            | LayerHidden _ ->
                cost
                    {
                        Queries = keys
                        FreshKv = all
                        Keys = all
                    }
                    (contextBytes g context others)
            | ProjectedLatents -> cost full 0.0
            | KeyframesOnly ->
                cost
                    {
                        Queries = keys
                        FreshKv = keys
                        Keys = keys
                    }
                    0.0

    [<CompiledName("OfEvaluationWith")>]
    let ofEvaluationWith text geometry plan evaluation =
        evaluationCost text geometry (fun _ _ -> 1.0, 1.0) plan evaluation

    [<CompiledName("OfEvaluation")>]
    let ofEvaluation geometry plan evaluation =
        ofEvaluationWith CrossAttention geometry plan evaluation

    let internal ofPlanScaled
        (text: TextAttention)
        (keep: Evaluation -> int -> float * float)
        (extraFlops: Evaluation -> float)
        (geometry: Geometry)
        (plan: Plan)
        =
        let g = geometry

        if g.Frames <> plan.Frames then
            Error(Validate.error "geometry.frames" g.Frames $"{plan.Frames} (plan frames)")
        else
            let evaluations =
                plan.Evaluations
                |> List.map (fun e ->
                    let c = evaluationCost text g keep plan e

                    { c with
                        Flops = c.Flops + extraFlops e
                    })

            let flops = evaluations |> List.sumBy (fun c -> c.Flops)
            let all = float plan.Frames * float g.TokensPerFrame

            let denseStep =
                cost
                    text
                    g
                    {
                        Queries = all
                        FreshKv = all
                        Keys = all
                    }
                    0.0

            let dense = float plan.Spec.Sampling.Steps * denseStep.Flops

            let peak f =
                evaluations |> List.map f |> List.fold max 0.0

            Ok
                {
                    Evaluations = evaluations
                    Flops = flops
                    DenseFlops = dense
                    Speedup = dense / flops
                    PeakContextBytes = peak (fun c -> c.ContextBytes)
                    PeakActivationBytes = peak (fun c -> c.ActivationBytes)
                }

    [<CompiledName("OfPlanWith")>]
    let ofPlanWith text geometry plan =
        ofPlanScaled text (fun _ _ -> 1.0, 1.0) (fun _ -> 0.0) geometry plan

    [<CompiledName("OfPlan")>]
    let ofPlan geometry plan = ofPlanWith CrossAttention geometry plan
