module RhymeFlow.Core.Tests.PeersTests

open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open RhymeFlow.Core

let private embeddings =
    Gen.choose (2, 30)
    |> Gen.bind (fun steps -> Gen.listOfLength steps (Gen.listOfLength 4 (Gen.choose (-20, 20) |> Gen.map float)))
    |> Arb.fromGen

let private teaRun threshold (ms: float list list) =
    let steps = ms.Length

    ms
    |> List.mapi (fun i m ->
        {
            TeaCache.Step = i
            TeaCache.Steps = steps
            TeaCache.Modulated = m
        })
    |> List.mapFold (TeaCache.decide (TeaCache.wan13B threshold)) TeaCache.initial
    |> fst

[<Property(MaxTest = 200)>]
let ``TeaCache always computes the first and last steps`` (threshold: PositiveInt) =
    Prop.forAll embeddings (fun ms ->
        let d = teaRun (float threshold.Get) ms
        List.head d = Compute && List.last d = Compute)

[<Property(MaxTest = 200)>]
let ``TeaCache with a threshold below the polynomial's minimum always computes`` () =
    // The 1.3B polynomial dips to about -0.503 near rel = 0.3, so threshold 0 may still reuse.
    Prop.forAll embeddings (fun ms -> teaRun -0.51 ms |> List.forall ((=) Compute))

[<Property(MaxTest = 200)>]
let ``TeaCache resets its accumulator exactly when it computes`` (threshold: PositiveInt) =
    Prop.forAll embeddings (fun ms ->
        let steps = ms.Length

        ms
        |> List.mapi (fun i m ->
            {
                TeaCache.Step = i
                TeaCache.Steps = steps
                TeaCache.Modulated = m
            })
        |> List.fold
            (fun (ok, state) o ->
                let decision, next =
                    TeaCache.decide (TeaCache.wan13B (float threshold.Get / 10.0)) state o

                (ok && (decision = Compute) = (next.Accumulated = 0.0)
                 || ok && decision = Compute && next.Accumulated = 0.0),
                next)
            (true, TeaCache.initial)
        |> fst)

[<Property(MaxTest = 200)>]
let ``first-block cache computes on the first step and reuses identical residuals`` () =
    Prop.forAll embeddings (fun rs ->
        let first, state =
            FirstBlockCache.decide 0.05 FirstBlockCache.initial { Residual = List.head rs }

        let again, _ = FirstBlockCache.decide 0.0 state { Residual = List.head rs }
        first = Compute && again = Reuse)

[<Fact>]
let ``a large residual change computes`` () =
    let _, state =
        FirstBlockCache.decide 0.05 FirstBlockCache.initial { Residual = [ 1.0; 1.0 ] }

    Assert.Equal(Compute, fst (FirstBlockCache.decide 0.05 state { Residual = [ 1.2; 1.0 ] }))
    Assert.Equal(Reuse, fst (FirstBlockCache.decide 0.05 state { Residual = [ 1.04; 1.0 ] }))

[<Property(MaxTest = 100)>]
let ``a fixed pattern replays the decisions it was made from`` (mask: bool list) =
    let decisions = mask |> List.mapi (fun i _ -> FixedPattern.decide mask i)
    FixedPattern.ofDecisions decisions = mask
