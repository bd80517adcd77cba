module RhymeFlow.Core.Tests.StudyTests

open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open RhymeFlow.Core

/// A small study file with one row of every kind the reader knows.
let sampleJson =
    """{
  "name": "sample",
  "captions": 8,
  "guidance": 5,
  "sampling": { "solver": "unipc", "shift": 3, "steps": 30 },
  "reference": "dense",
  "repeats": 2,
  "contactSheet": { "caption": 1, "rows": ["dense", "rhymeflow"] },
  "rows": [
    { "name": "dense" },
    { "name": "rhymeflow", "schedule": { "kind": "rhymeFlow", "warmupSteps": 6, "budget": 2,
        "strategy": { "kind": "semantic", "threshold": 0.98 },
        "skip": { "kind": "progressive", "min": 3, "max": 5, "first": 0.3, "second": 0.7 },
        "projection": { "kind": "frozen" }, "context": { "kind": "layerKv" }, "coupling": "schedulerApprox" } },
    { "name": "matched", "schedule": { "kind": "fewerSteps", "matchCostOf": "rhymeflow" } },
    { "name": "fewer-10", "schedule": { "kind": "fewerSteps", "steps": 10 } },
    { "name": "teacache", "cache": { "kind": "teaCache", "threshold": 0.2 } },
    { "name": "fbcache", "cache": { "kind": "firstBlockCache", "threshold": 0.1 } },
    { "name": "asymrnr", "reduction": { "policy": { "kind": "rule", "queryRatio": 0.5, "keyValueRatio": 0.3, "fromStepFraction": 0, "fromBlock": 0 },
        "stride": { "frames": 2, "rows": 2, "columns": 2 }, "reuseSteps": 3, "seed": 0 } }
  ]
}"""

let private read json =
    match Json.readStudy json with
    | Ok study -> study
    | Error e -> failwith e.Message

let private errorField json =
    match Json.readStudy json with
    | Ok _ -> failwith "expected an error"
    | Error e -> e.Field

[<Fact>]
let ``a study file reads with defaults for what it leaves out`` () =
    let study = read sampleJson
    Assert.Equal("builtin", study.Model)
    Assert.Equal(8, study.Captions)
    Assert.Equal(2, study.Repeats)
    Assert.Equal<string list>([ "dense"; "rhymeflow" ], study.SheetRows)
    Assert.Equal(Given Dense, study.Rows[0].Schedule)
    Assert.Equal(FewerStepsMatching "rhymeflow", study.Rows[2].Schedule)
    Assert.Equal(Some(StepCachePolicy.TeaCache 0.2), study.Rows[4].Cache)

    match study.Rows[1].Schedule with
    | Given(RhymeFlow r) -> Assert.Equal(Frozen, r.Projection)
    | other -> failwith $"unexpected {other}"

[<Fact>]
let ``every row resolves to its method and the cost model's prediction`` () =
    let rows =
        match Study.resolve Cost.mini (read sampleJson) with
        | Ok rows -> rows
        | Error e -> failwith e.Message

    let methods = rows |> List.map (fun r -> r.Method)

    Assert.Equal<StudyMethod list>(
        [
            StudyMethod.Dense
            StudyMethod.RhymeFlow
            StudyMethod.FewerSteps
            StudyMethod.FewerSteps
            StudyMethod.TeaCache
            StudyMethod.FirstBlockCache
            StudyMethod.AsymRnR
        ],
        methods
    )

    Assert.Equal(Some 1.0, rows[0].PredictedSpeedup)
    Assert.Equal(None, rows[4].PredictedSpeedup)
    Assert.Equal(Some 3.0, rows[3].PredictedSpeedup)

    // The matched row runs N / (RhymeFlow's predicted speedup) steps, rounded.
    let rhymeFlow = rows[1].PredictedSpeedup.Value
    Assert.Equal(FewerSteps(int (round (30.0 / rhymeFlow))), rows[2].Spec.Schedule)

[<Property(MaxTest = 300)>]
let ``matched steps stay in 1..N and fewer steps at the matched count are never dearer than asked by more than half a step``
    (steps: PositiveInt)
    (speedup: PositiveInt)
    =
    let n = min steps.Get 200
    let s = 1.0 + float (speedup.Get % 50) / 10.0
    let matched = Study.matchedSteps n s

    matched >= 1
    && matched <= n
    && (matched = 1 || abs (float matched - float n / s) <= 0.5)

[<Fact>]
let ``one speedup means every step`` () =
    Assert.Equal(30, Study.matchedSteps 30 1.0)

[<Fact>]
let ``study errors name the offending field`` () =
    Assert.Equal("reference", errorField (sampleJson.Replace("\"reference\": \"dense\"", "\"reference\": \"nothing\"")))
    Assert.Equal("rows", errorField (sampleJson.Replace("\"name\": \"fewer-10\"", "\"name\": \"dense\"")))

    Assert.Equal(
        "rows[2].schedule.matchCostOf",
        errorField (sampleJson.Replace("\"matchCostOf\": \"rhymeflow\"", "\"matchCostOf\": \"fewer\""))
    )

    Assert.Equal(
        "rows[2].schedule.matchCostOf",
        errorField (sampleJson.Replace("\"matchCostOf\": \"rhymeflow\"", "\"matchCostOf\": \"matched\""))
    )

    Assert.Equal("rows[4].cache.threshold", errorField (sampleJson.Replace("\"threshold\": 0.2", "\"threshold\": -1")))

    Assert.Equal(
        "rows[1].schedule.warmupSteps",
        errorField (sampleJson.Replace("\"warmupSteps\": 6", "\"warmupSteps\": 99"))
    )

    Assert.Equal(
        "contactSheet.rows",
        errorField (sampleJson.Replace("[\"dense\", \"rhymeflow\"]", "[\"dense\", \"x\"]"))
    )

    Assert.Equal("contactSheet.caption", errorField (sampleJson.Replace("\"caption\": 1", "\"caption\": 8")))
    Assert.Equal("$.rows[4].cache.kind", errorField (sampleJson.Replace("\"teaCache\"", "\"pabCache\"")))
    Assert.Equal("$.captions", errorField (sampleJson.Replace("\"captions\": 8,", "")))

[<Fact>]
let ``a step cache on a RhymeFlow row is refused: caches skip steps, RhymeFlow skips frames`` () =
    let json =
        sampleJson.Replace(
            "\"projection\": { \"kind\": \"frozen\" }, \"context\": { \"kind\": \"layerKv\" }, \"coupling\": \"schedulerApprox\" } },",
            "\"projection\": { \"kind\": \"frozen\" }, \"context\": { \"kind\": \"layerKv\" }, \"coupling\": \"schedulerApprox\" }, \"cache\": { \"kind\": \"teaCache\", \"threshold\": 0.1 } },"
        )

    Assert.Equal("rows[1].cache", errorField json)

[<Fact>]
let ``a cache names the row's method, AsymRnR with RhymeFlow is the composition`` () =
    let rule =
        match Json.readReduction (Json.writeReduction Reduction.hunyuanBase) with
        | Ok r -> r
        | Error e -> failwith e.Message

    Assert.Equal(StudyMethod.RhymeFlowAsymRnR, Study.methodOf (RhymeFlow Spec.defaultRhymeFlow) (Some rule) None)
    Assert.Equal(StudyMethod.RhymeFlow, Study.methodOf (RhymeFlow Spec.defaultRhymeFlow) (Some Reduction.none) None)
    Assert.Equal(StudyMethod.FirstBlockCache, Study.methodOf Dense None (Some(StepCachePolicy.FirstBlockCache 0.1)))
    Assert.Equal(StudyMethod.AsymRnR, Study.methodOf (FewerSteps 10) (Some rule) None)

[<Fact>]
let ``the executed fraction is blocks run over steps times layers`` () =
    Assert.Equal(0.5, Study.executedFraction 60 30 4)
    Assert.True(System.Double.IsNaN(Study.executedFraction 1 0 4))
