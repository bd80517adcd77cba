module RhymeFlow.Core.Tests.CostTests

open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open RhymeFlow.Core
open RhymeFlow.Core.Tests.Generators

let private cost (plan: Plan) =
    match Cost.ofPlan { Cost.mini with Frames = plan.Frames } plan with
    | Ok c -> c
    | Error e -> failwith e.Message

let private heun (spec: Spec) =
    match spec.Schedule with
    | RhymeFlow r -> r.Projection = FoCa true
    | Dense
    | FewerSteps _ -> false

// 7 (a Heun correction buys accuracy with an extra full pass per group, so it is excluded)
[<Property(MaxTest = 200, Arbitrary = [| typeof<Generators> |])>]
let ``predicted cost never exceeds dense`` (case: ValidCase) =
    not (heun case.Spec)
    ==> lazy (let c = cost (compile case) in c.Flops <= c.DenseFlops * (1.0 + 1e-12))

[<Property(MaxTest = 200, Arbitrary = [| typeof<Generators> |])>]
let ``growing any skip never raises the cost`` (case: ValidCase) (growMax: bool) =
    match case.Spec.Schedule with
    | RhymeFlow r when not (heun case.Spec) ->
        let grown =
            match r.Skip, growMax with
            | Progressive p, true -> Progressive { p with Max = p.Max + 1 }
            | Progressive p, false when p.Min < p.Max -> Progressive { p with Min = p.Min + 1 }
            | skip, _ -> Skip.grow skip

        let larger =
            { case with
                Spec =
                    { case.Spec with
                        Schedule = RhymeFlow { r with Skip = grown }
                    }
            }

        (cost (compile larger)).Flops <= (cost (compile case)).Flops * (1.0 + 1e-12)
        |> Prop.ofTestable
    | _ -> Prop.ofTestable true

[<Fact>]
let ``the default schedule on Wan 1.3B 720p predicts a speedup near the authors'`` () =
    let spec =
        {
            Sampling = Spec.defaultSampling
            Schedule = RhymeFlow Spec.defaultRhymeFlow
        }

    let plan =
        Result.defaultWith (fun (e: ValidationError) -> failwith e.Message) (Plan.compile spec 21 [ 0; 20 ])

    let c =
        Result.defaultWith (fun (e: ValidationError) -> failwith e.Message) (Cost.ofPlan Cost.wan13B720p plan)

    Assert.InRange(c.Speedup, 1.6, 2.3)
    // Layer K/V of 19 of 21 frames: 30 layers x 2 x 68400 tokens x 1536 x bf16 x CFG 2.
    Assert.Equal(30.0 * 2.0 * 19.0 * 3600.0 * 1536.0 * 2.0 * 2.0, c.PeakContextBytes)

[<Fact>]
let ``hidden-state context costs half the bytes and more FLOPs than layer K/V`` () =
    let plan context =
        let spec =
            {
                Sampling = Spec.defaultSampling
                Schedule =
                    RhymeFlow
                        { Spec.defaultRhymeFlow with
                            Context = context
                        }
            }

        Result.defaultWith (fun (e: ValidationError) -> failwith e.Message) (Plan.compile spec 21 [ 0; 20 ])

    let kv =
        Result.defaultWith (fun (e: ValidationError) -> failwith e.Message) (Cost.ofPlan Cost.wan13B480p (plan LayerKv))

    let hidden =
        Result.defaultWith
            (fun (e: ValidationError) -> failwith e.Message)
            (Cost.ofPlan Cost.wan13B480p (plan (LayerHidden Host)))

    Assert.Equal(kv.PeakContextBytes / 2.0, hidden.PeakContextBytes)
    Assert.True(hidden.Flops > kv.Flops)

[<Fact>]
let ``a geometry for another clip is an error naming the field`` () =
    let plan =
        Result.defaultWith
            (fun (e: ValidationError) -> failwith e.Message)
            (Plan.compile
                {
                    Sampling = Spec.defaultSampling
                    Schedule = Dense
                }
                5
                [])

    match Cost.ofPlan Cost.mini plan with
    | Error e -> Assert.Equal("geometry.frames", e.Field)
    | Ok _ -> failwith "expected an error"

[<Fact>]
let ``joint attention counts the text tokens in every attention and feed-forward`` () =
    let plan =
        Result.defaultWith
            (fun (e: ValidationError) -> failwith e.Message)
            (Plan.compile
                {
                    Sampling = Spec.defaultSampling
                    Schedule = Dense
                }
                11
                [ 0; 10 ])

    let g = Cost.cogVideoX15_5B

    let c =
        Result.defaultWith (fun (e: ValidationError) -> failwith e.Message) (Cost.ofPlanWith JointAttention g plan)

    let tokens = float (g.Frames * g.TokensPerFrame + g.TextTokens)
    let d = float g.Dim

    let layer =
        8.0 * tokens * d * d
        + 4.0 * tokens * tokens * d
        + 4.0 * tokens * d * float g.FfnDim

    let step = float g.CfgBatch * float g.Layers * layer
    Assert.Equal(1.0, c.DenseFlops / (50.0 * step), 12)
    Assert.Equal(c.DenseFlops, c.Flops)

[<Fact>]
let ``the default schedule on CogVideoX1.5-5B predicts a speedup near the paper's 1.93x`` () =
    let spec =
        {
            Sampling = Spec.defaultSampling
            Schedule = RhymeFlow Spec.defaultRhymeFlow
        }

    // 11 plan frames: temporal tokens of 2 latent frames each (21 latent frames padded to 22).
    let plan =
        Result.defaultWith (fun (e: ValidationError) -> failwith e.Message) (Plan.compile spec 11 [ 0; 10 ])

    let c =
        Result.defaultWith
            (fun (e: ValidationError) -> failwith e.Message)
            (Cost.ofPlanWith JointAttention Cost.cogVideoX15_5B plan)

    printfn $"CogVideoX1.5-5B default schedule: predicted speedup {c.Speedup:F3} (paper 1.93)"
    Assert.InRange(c.Speedup, 1.6, 2.3)

[<Fact>]
let ``the default schedule on CogVideoX1.5-5B's own VP ladder predicts the same speedup`` () =
    let orFail r =
        Result.defaultWith (fun (e: ValidationError) -> failwith e.Message) r

    let speedup sampling =
        let plan =
            Plan.compile
                {
                    Sampling = sampling
                    Schedule = RhymeFlow Spec.defaultRhymeFlow
                }
                11
                [ 0; 10 ]
            |> orFail

        plan, (Cost.ofPlanWith JointAttention Cost.cogVideoX15_5B plan |> orFail).Speedup

    // CogVideoX1.5's sampler: DDIM on the 5B VP schedule (SNR shift 1), 50 steps.
    let vpPlan, vp = speedup Spec.cogVideoXSampling

    let _, flow = speedup Spec.defaultSampling
    printfn $"CogVideoX1.5-5B default schedule on the VP (DDIM) ladder: predicted speedup {vp:F3} (paper 1.93)"
    Assert.Equal(999.0, List.head vpPlan.Ladder.Timesteps)
    Assert.Equal(1.0, List.head vpPlan.Ladder.Sigmas)
    // The cost model counts evaluations, not noise levels: the ladder kind leaves it unchanged.
    Assert.Equal(flow, vp)
    Assert.InRange(vp, 1.6, 2.3)

/// HunyuanVideo: text in every attention, embedded guidance, and the default schedule against the paper.
type HunyuanVideoCostTests(output: Xunit.Abstractions.ITestOutputHelper) =
    let orFail r =
        Result.defaultWith (fun (e: ValidationError) -> failwith e.Message) r

    // HunyuanVideo's pipeline: flow Euler with shift 7, 50 steps; the default RhymeFlow schedule on its 33
    // latent frames with the first and last as the initial keyframes.
    let plan schedule =
        Plan.compile
            {
                Sampling = Spec.hunyuanVideoSampling
                Schedule = schedule
            }
            33
            [ 0; 32 ]
        |> orFail

    [<Fact>]
    member _.``the default schedule on HunyuanVideo 720p predicts a speedup near the paper's 2.60x``() =
        let c =
            Cost.ofPlanWith JointAttention Cost.hunyuanVideo720p (plan (RhymeFlow Spec.defaultRhymeFlow))
            |> orFail

        output.WriteLine(
            sprintf "HunyuanVideo 720p x 129 frames, default schedule: predicted %.2fx (paper: 2.60x)" c.Speedup
        )

        Assert.InRange(c.Speedup, 1.8, 3.2)
        // Video K/V of 31 of 33 frames in 60 blocks, bf16, one pass (embedded guidance): the text is recomputed.
        Assert.Equal(60.0 * 2.0 * 31.0 * 3600.0 * 3072.0 * 2.0, c.PeakContextBytes)
