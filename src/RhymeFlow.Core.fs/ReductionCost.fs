namespace RhymeFlow.Core

[<RequireQualifiedAccess>]
module ReductionCost =
    [<CompiledName("AttentionFraction")>]
    let attentionFraction (setting: ReductionSetting) =
        (1.0 - setting.Ratios.QueryRatio) * (1.0 - setting.Ratios.KeyValueRatio)

    // The shares of the video queries and keys/values a setting keeps.
    let private keep (setting: ReductionSetting) =
        1.0 - setting.Ratios.QueryRatio, 1.0 - setting.Ratios.KeyValueRatio

    [<CompiledName("OfPlanWith")>]
    let ofPlanWith (text: TextAttention) (geometry: Geometry) (plan: Plan) (schedule: ReductionSchedule) =
        let ladder = Spec.ladderSteps plan.Spec

        let checks =
            Validate.all
                [
                    Validate.check
                        (schedule.Blocks = geometry.Layers)
                        "schedule.blocks"
                        schedule.Blocks
                        $"{geometry.Layers} (geometry layers)"
                    Validate.check (schedule.Steps = ladder) "schedule.steps" schedule.Steps $"{ladder} (plan steps)"
                ]

        let perFrame = float geometry.TokensPerFrame
        let all = float plan.Frames * perFrame

        // Queries and keys of an evaluation, and which cache entry (full or active layout) it uses.
        let tokens (e: Evaluation) =
            match e.Kind with
            | Full _
            | Correction -> all, all, true
            | Active(_, ProjectedLatents) -> all, all, true
            | Active(frames, KeyframesOnly) -> float frames.Length * perFrame, float frames.Length * perFrame, false
            | Active(frames, _) -> float frames.Length * perFrame, all, false

        // Each (reuse window, layout, block, side) is matched once, at its first evaluation with a ratio above 0; the
        // distances cost 2·sources·destinations·dim.
        let destinations = 1.0 - Reduction.maxRatio schedule.Spec.Stride

        let pair n =
            2.0 * n * (1.0 - destinations) * n * destinations * float geometry.Dim

        let matching =
            plan.Evaluations
            |> List.mapFold
                (fun seen (e: Evaluation) ->
                    let queries, keys, isFull = tokens e

                    let wanted =
                        [
                            for block in 0 .. schedule.Blocks - 1 do
                                let s = Reduction.at schedule e.Step block

                                if s.Ratios.QueryRatio > 0.0 then
                                    yield (s.Window.Start, isFull, block, true), queries

                                if s.Ratios.KeyValueRatio > 0.0 then
                                    yield (s.Window.Start, isFull, block, false), keys
                        ]

                    let fresh = wanted |> List.filter (fun (key, _) -> not (Set.contains key seen))
                    let flops = float geometry.CfgBatch * (fresh |> List.sumBy (fun (_, n) -> pair n))
                    (e.Index, flops), fresh |> List.fold (fun acc (key, _) -> Set.add key acc) seen)
                Set.empty
            |> fst
            |> Map.ofList

        checks
        |> Result.bind (fun () ->
            Cost.ofPlanScaled
                text
                (fun e block -> keep (Reduction.at schedule e.Step block))
                (fun e -> matching[e.Index])
                geometry
                plan)

    [<CompiledName("OfPlan")>]
    let ofPlan geometry plan schedule =
        ofPlanWith CrossAttention geometry plan schedule
