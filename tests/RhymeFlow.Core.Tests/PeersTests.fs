module RhymeFlow.Core.Tests.PeersTests

open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open RhymeFlow.Core

/// Per step, each row's relative change: 2..30 steps of 1..4 rows, changes in [0, 2] (NaN never: the host only
/// measures NaN on the first step, which every policy forces).
type RowChanges = RowChanges of float list list

let private genRowChanges =
    gen {
        let! steps = Gen.choose (2, 30)
        let! rows = Gen.choose (1, 4)
        let change = Gen.choose (0, 2000) |> Gen.map (fun x -> float x / 1000.0)
        let! table = Gen.listOfLength steps (Gen.listOfLength rows change)
        return RowChanges table
    }

type PeerArbitraries =
    static member RowChanges() = Arb.fromGen genRowChanges

let private teaBatch threshold coefficients (RowChanges table) =
    let config =
        {
            TeaCache.Threshold = threshold
            TeaCache.Coefficients = coefficients
        }

    let steps = table.Length

    table
    |> List.mapi (fun step changes ->
        changes
        |> List.map (fun change ->
            {
                TeaCache.Step = step
                TeaCache.Steps = steps
                TeaCache.Change = change
            }))
    |> List.mapFold
        (fun states observations ->
            let decision, next = TeaCache.decideBatch config states observations
            (decision, next), next)
        (table.Head |> List.map (fun _ -> TeaCache.initial))
    |> fst

let private firstBatch threshold (RowChanges table) =
    table
    |> List.mapi (fun step changes ->
        changes
        |> List.map (fun change ->
            {
                FirstBlockCache.Step = step
                FirstBlockCache.Change = change
            }))
    |> List.mapFold
        (fun states observations ->
            let decision, next = FirstBlockCache.decideBatch threshold states observations
            (decision, next), next)
        (table.Head |> List.map (fun _ -> FirstBlockCache.initial))
    |> fst

let private wan = (TeaCache.wan13B 0.0).Coefficients

[<Property(MaxTest = 200, Arbitrary = [| typeof<PeerArbitraries> |])>]
let ``threshold 0 always computes, for both caches`` (changes: RowChanges) =
    teaBatch 0.0 wan changes |> List.forall (fst >> (=) Compute)
    && firstBatch 0.0 changes |> List.forall (fst >> (=) Compute)

[<Property(MaxTest = 200, Arbitrary = [| typeof<PeerArbitraries> |])>]
let ``a huge threshold computes only the forced steps`` (RowChanges table as changes) =
    let tea = teaBatch 1e300 wan changes |> List.map fst
    let first = firstBatch 1e300 changes |> List.map fst
    let last = table.Length - 1

    tea = List.init table.Length (fun s -> if s = 0 || s = last then Compute else Reuse)
    && first = List.init table.Length (fun s -> if s = 0 then Compute else Reuse)

[<Property(MaxTest = 200, Arbitrary = [| typeof<PeerArbitraries> |])>]
let ``TeaCache always computes the first and last steps`` (threshold: PositiveInt) (changes: RowChanges) =
    let decisions = teaBatch (float threshold.Get) wan changes |> List.map fst
    List.head decisions = Compute && List.last decisions = Compute

[<Property(MaxTest = 200, Arbitrary = [| typeof<PeerArbitraries> |])>]
let ``one row decides in the batch exactly as it decides alone`` (threshold: NormalFloat) (RowChanges table) =
    let threshold = abs threshold.Get
    let single = table |> List.map (List.head >> List.singleton) |> RowChanges
    let steps = table.Length

    let alone =
        table
        |> List.mapi (fun step changes ->
            {
                TeaCache.Step = step
                TeaCache.Steps = steps
                TeaCache.Change = List.head changes
            })
        |> List.mapFold (TeaCache.decide (TeaCache.wan13B threshold)) TeaCache.initial
        |> fst

    let firstAlone =
        table
        |> List.mapi (fun step changes ->
            {
                FirstBlockCache.Step = step
                FirstBlockCache.Change = List.head changes
            })
        |> List.mapFold (FirstBlockCache.decide threshold) FirstBlockCache.initial
        |> fst

    (teaBatch threshold wan single |> List.map fst) = alone
    && (firstBatch threshold single |> List.map fst) = firstAlone

[<Property(MaxTest = 200, Arbitrary = [| typeof<PeerArbitraries> |])>]
let ``the batch computes when any row does, and a compute resets every row``
    (threshold: NormalFloat)
    (RowChanges table)
    =
    let config = TeaCache.wan13B (abs threshold.Get / 10.0)
    let steps = table.Length

    table
    |> List.mapi (fun step changes ->
        changes
        |> List.map (fun change ->
            {
                TeaCache.Step = step
                TeaCache.Steps = steps
                TeaCache.Change = change
            }))
    |> List.fold
        (fun (ok, states) observations ->
            let rows = List.map2 (TeaCache.decide config) states observations |> List.map fst
            let decision, next = TeaCache.decideBatch config states observations
            let anyCompute = rows |> List.contains Compute

            let consistent =
                (decision = Compute) = anyCompute
                && (decision = Reuse || next |> List.forall (fun s -> s.Accumulated = 0.0))

            ok && consistent, next)
        (true, table.Head |> List.map (fun _ -> TeaCache.initial))
    |> fst

[<Property(MaxTest = 200, Arbitrary = [| typeof<PeerArbitraries> |])>]
let ``TeaCache resets its accumulator exactly when it computes`` (threshold: PositiveInt) (RowChanges table) =
    let config = TeaCache.wan13B (float threshold.Get / 10.0)
    let steps = table.Length

    table
    |> List.mapi (fun step changes ->
        {
            TeaCache.Step = step
            TeaCache.Steps = steps
            TeaCache.Change = List.head changes
        })
    |> List.fold
        (fun (ok, state) o ->
            let decision, next = TeaCache.decide config state o

            let expected =
                match decision with
                | Compute -> 0.0
                | Reuse -> state.Accumulated + TeaCache.rescale config.Coefficients o.Change

            ok && next.Accumulated = expected, next)
        (true, TeaCache.initial)
    |> fst

[<Property(MaxTest = 300)>]
let ``the rescale polynomial is never negative`` (change: NormalFloat) =
    TeaCache.rescale wan (abs change.Get) >= 0.0

[<Fact>]
let ``the 1.3B polynomial's dip below zero is clamped`` () =
    // It dips to about -0.503 near rel = 0.263: unclamped, the sum would shrink and threshold 0 could reuse.
    let raw = wan |> List.fold (fun acc c -> acc * 0.263 + c) 0.0

    Assert.True(raw < -0.4)
    Assert.Equal(0.0, TeaCache.rescale wan 0.263)

[<Fact>]
let ``a NaN change computes`` () =
    let decision, _ =
        TeaCache.decide (TeaCache.wan13B 1e9) TeaCache.initial { Step = 3; Steps = 10; Change = nan }

    Assert.Equal(Compute, decision)
    Assert.Equal(Compute, fst (FirstBlockCache.decide 1e9 FirstBlockCache.initial { Step = 3; Change = nan }))

[<Fact>]
let ``first-block cache compares strictly below the threshold`` () =
    let at change =
        fst (FirstBlockCache.decide 0.05 FirstBlockCache.initial { Step = 1; Change = change })

    Assert.Equal(Compute, at 0.2)
    Assert.Equal(Compute, at 0.05)
    Assert.Equal(Reuse, at 0.04)

[<Fact>]
let ``bad settings are rejected by field`` () =
    let bad config =
        match TeaCache.validate config with
        | Error e -> e.Field
        | Ok _ -> "ok"

    Assert.Equal("threshold", bad (TeaCache.wan13B -0.1))
    Assert.Equal("threshold", bad (TeaCache.wan13B nan))

    Assert.Equal(
        "coefficients",
        bad
            { TeaCache.wan13B 0.1 with
                Coefficients = []
            }
    )

    Assert.Equal("ok", bad (TeaCache.wan13B 0.0))
    Assert.True(Result.isError (FirstBlockCache.validateThreshold -1.0))
    Assert.True(Result.isError (FirstBlockCache.validateThreshold infinity))

[<Fact>]
let ``the batch rule needs one observation per row`` () =
    Assert.Throws<System.ArgumentException>(fun () ->
        TeaCache.decideBatch (TeaCache.wan13B 0.1) [ TeaCache.initial ] [] |> ignore)
    |> ignore

[<Property(MaxTest = 200)>]
let ``relative change is 0 for equal vectors and infinite from zero`` (xs: NormalFloat list) =
    let xs = xs |> List.map _.Get
    let zeros = xs |> List.map (fun _ -> 0.0)

    RelativeChange.ofVectors xs xs = 0.0
    && (xs |> List.forall ((=) 0.0) || RelativeChange.ofVectors xs zeros = infinity)

[<Fact>]
let ``relative change is the mean absolute change over the mean absolute previous`` () =
    Assert.Equal(0.1, RelativeChange.ofVectors [ 1.2; 1.0 ] [ 1.0; 1.0 ], 12)

[<Property(MaxTest = 100)>]
let ``a fixed pattern replays the decisions it was made from`` (mask: bool list) =
    let decisions = mask |> List.mapi (fun i _ -> FixedPattern.decide mask i)
    FixedPattern.ofDecisions decisions = mask
