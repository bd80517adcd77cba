module RhymeFlow.Core.Tests.ReductionCostTests

open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open RhymeFlow.Core

let private planOf spec frames keyframes =
    Plan.compile spec frames keyframes
    |> Result.defaultWith (fun e -> failwith e.Message)

let private densePlan =
    planOf
        {
            Sampling = Spec.defaultSampling
            Schedule = Dense
        }
        21
        []

[<Property(MaxTest = 100)>]
let ``an identity schedule costs what the plan costs`` () =
    Prop.forAll (Gen.choose (1, 60) |> Arb.fromGen) (fun steps ->
        let spec =
            {
                Sampling =
                    { Spec.defaultSampling with
                        Steps = steps
                    }
                Schedule = RhymeFlow Spec.defaultRhymeFlow
            }

        let plan =
            planOf
                { spec with
                    Schedule =
                        RhymeFlow
                            { Spec.defaultRhymeFlow with
                                WarmupSteps = min 10 steps
                            }
                }
                21
                [ 0; 20 ]

        let g = Cost.wan13B480p

        let schedule =
            Reduction.compile
                g.Layers
                steps
                (Reduction.uniform
                    {
                        QueryRatio = 0.0
                        KeyValueRatio = 0.0
                    })
            |> Result.defaultWith (fun e -> failwith e.Message)

        match Cost.ofPlan g plan, ReductionCost.ofPlan g plan schedule with
        | Ok plain, Ok reduced -> plain = reduced
        | _ -> false)

[<Fact>]
let ``the cost of Q 0.5 and KV 0.3 on dense 1.3B at 480p follows the attention algebra`` () =
    let g = Cost.wan13B480p

    let schedule =
        Reduction.compile
            g.Layers
            50
            (Reduction.uniform
                {
                    QueryRatio = 0.5
                    KeyValueRatio = 0.3
                })
        |> Result.defaultWith (fun e -> failwith e.Message)

    let reduced =
        ReductionCost.ofPlan g densePlan schedule
        |> Result.defaultWith (fun e -> failwith e.Message)

    // Per layer and batch row: the score and value matmuls are 4·N²·d, of which (1 - 0.5)(1 - 0.3)
    // remain; the matching costs 2·(7N/8)·(N/8)·d for Q and again for V, once per 3-step window.
    let n = 21.0 * 1560.0
    let d = 1536.0
    let scores = 4.0 * n * n * d
    let matching = 2.0 * 2.0 * (7.0 * n / 8.0) * (n / 8.0) * d
    let windows = 17.0
    let rows = float g.Layers * 2.0

    let expected =
        reduced.DenseFlops - 50.0 * rows * scores * (1.0 - 0.35)
        + windows * rows * matching

    Assert.Equal(1.0, reduced.Flops / expected, 9)
    Assert.InRange(reduced.Speedup, 1.6, 1.8)

[<Fact>]
let ``a reduction that starts inside a reuse window is charged its matching there`` () =
    let g = Cost.wan13B480p

    let plan =
        planOf
            {
                Sampling = { Spec.defaultSampling with Steps = 6 }
                Schedule = Dense
            }
            21
            []

    let flopsFrom fraction =
        let spec =
            { Reduction.none with
                Policy =
                    ByRule
                        {
                            Ratios =
                                {
                                    QueryRatio = 0.5
                                    KeyValueRatio = 0.3
                                }
                            FromStepFraction = fraction
                            FromBlock = 0
                        }
            }

        Reduction.compile g.Layers 6 spec
        |> Result.bind (ReductionCost.ofPlan g plan)
        |> Result.map (fun c -> c.Flops)
        |> Result.defaultWith (fun e -> failwith e.Message)

    // From 0.3 reduces steps 2..5 (step 2 inside the window [0, 3)); from 0.5 reduces steps 3..5. The difference is
    // step 2's saved scores against window [0, 3)'s matching.
    let n = 21.0 * 1560.0
    let d = 1536.0
    let rows = float g.Layers * 2.0
    let saved = 4.0 * n * n * d * (1.0 - 0.35)
    let matching = 2.0 * 2.0 * (7.0 * n / 8.0) * (n / 8.0) * d
    Assert.Equal(1.0, (flopsFrom 0.3 - flopsFrom 0.5) / (rows * (matching - saved)), 9)

[<Fact>]
let ``on joint attention a reduction keeps every text token in the scores`` () =
    let orFail r =
        Result.defaultWith (fun (e: ValidationError) -> failwith e.Message) r

    let g = Cost.cogVideoX15_5B

    let plan =
        planOf
            {
                Sampling = Spec.defaultSampling
                Schedule = Dense
            }
            g.Frames
            []

    let compile ratios =
        Reduction.compile g.Layers 50 (Reduction.uniform ratios) |> orFail

    let reduced =
        ReductionCost.ofPlanWith
            JointAttention
            g
            plan
            (compile
                {
                    QueryRatio = 0.5
                    KeyValueRatio = 0.3
                })
        |> orFail

    // Per layer and batch row: only the video queries and keys/values shrink, the 226 text tokens stay on both
    // sides; the matching covers the video tokens alone, 2·(7N/8)·(N/8)·d for Q and for V, once per 3-step window.
    let n = float (g.Frames * g.TokensPerFrame)
    let t = float g.TextTokens
    let d = float g.Dim
    let denseScores = 4.0 * (n + t) * (n + t) * d
    let reducedScores = 4.0 * (0.5 * n + t) * (0.7 * n + t) * d
    let matching = 2.0 * 2.0 * (7.0 * n / 8.0) * (n / 8.0) * d
    let rows = float g.Layers * float g.CfgBatch

    let expected =
        reduced.DenseFlops - 50.0 * rows * (denseScores - reducedScores)
        + 17.0 * rows * matching

    Assert.Equal(1.0, reduced.Flops / expected, 9)
    Assert.Equal((Cost.ofPlanWith JointAttention g plan |> orFail).DenseFlops, reduced.DenseFlops)

    // Zero ratios cost what the joint plan costs, bit for bit.
    let identity =
        ReductionCost.ofPlanWith
            JointAttention
            g
            plan
            (compile
                {
                    QueryRatio = 0.0
                    KeyValueRatio = 0.0
                })
        |> orFail

    Assert.Equal(Cost.ofPlanWith JointAttention g plan |> orFail, identity)

[<Fact>]
let ``HunyuanVideo 720p with its base reduction predicts a joint-attention speedup`` () =
    let orFail r =
        Result.defaultWith (fun (e: ValidationError) -> failwith e.Message) r

    let g = Cost.hunyuanVideo720p

    let plan schedule =
        planOf
            {
                Sampling =
                    {
                        Solver = Euler
                        Shift = 7.0
                        Steps = 50
                        Spacing = Linspace
                    }
                Schedule = schedule
            }
            g.Frames
            [ 0; g.Frames - 1 ]

    let schedule = Reduction.compile g.Layers 50 Reduction.hunyuanBase |> orFail

    let speedup geometry schedulePlan =
        (ReductionCost.ofPlanWith JointAttention geometry schedulePlan schedule |> orFail).Speedup

    let dense = speedup g (plan Dense)
    let rhymeFlow = speedup g (plan (RhymeFlow Spec.defaultRhymeFlow))
    let textless = speedup { g with TextTokens = 0 } (plan Dense)

    printfn
        $"HunyuanVideo 720p, joint attention: dense + HunyuanVideo base {dense:F3}x (without text tokens {textless:F3}x), RhymeFlow default + HunyuanVideo base {rhymeFlow:F3}x"

    // The text tokens stay whole in every attention, so they take a share of what the reduction would save.
    Assert.True(dense < textless, $"{dense} < {textless}")
    Assert.True(rhymeFlow > dense, $"{rhymeFlow} > {dense}")
