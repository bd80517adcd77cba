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
