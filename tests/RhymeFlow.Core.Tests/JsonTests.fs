module RhymeFlow.Core.Tests.JsonTests

open FsCheck.Xunit
open RhymeFlow.Core
open RhymeFlow.Core.Tests.Generators
open Xunit

// 9
[<Property(MaxTest = 200, Arbitrary = [| typeof<Generators> |])>]
let ``spec JSON round-trip is the identity`` (case: ValidCase) =
    Json.readSpec (Json.writeSpec case.Spec) = Ok case.Spec

[<Property(MaxTest = 100, Arbitrary = [| typeof<Generators> |])>]
let ``plan JSON round-trip is the identity`` (case: ValidCase) =
    let plan = compile case
    Json.readPlan (Json.writePlan plan) = Ok plan

[<Fact>]
let ``decoding errors name the JSON path`` () =
    let json =
        Json.writeSpec
            {
                Sampling = Spec.defaultSampling
                Schedule = RhymeFlow Spec.defaultRhymeFlow
            }

    match Json.readSpec (json.Replace("\"min\": 3", "\"min\": \"three\"")) with
    | Error e -> Assert.Equal("$.schedule.skip.min", e.Field)
    | Ok _ -> failwith "expected an error"

    match Json.readSpec (json.Replace("\"warmupSteps\": 10", "\"warmupSteps\": 99")) with
    | Error e -> Assert.Equal("warmupSteps = 99 is out of range: expected 0..50 (steps)", e.Message)
    | Ok _ -> failwith "expected an error"

    match Json.readSpec "{ not json" with
    | Error e -> Assert.Equal("$", e.Field)
    | Ok _ -> failwith "expected an error"

[<Fact>]
let ``a DDIM spec writes its solver as "ddim" and reads back`` () =
    let spec =
        {
            Sampling =
                {
                    Solver = Ddim
                    Shift = 1.0
                    Steps = 50
                    Spacing = SolverDefault
                }
            Schedule = RhymeFlow Spec.defaultRhymeFlow
        }

    let json = Json.writeSpec spec
    Assert.Contains("\"solver\": \"ddim\"", json)
    Assert.Equal(Ok spec, Json.readSpec json)

[<Fact>]
let ``a linspace spec writes its spacing, and a spec without one reads as the solver's own`` () =
    let spec =
        {
            Sampling = Spec.hunyuanVideoSampling
            Schedule = RhymeFlow Spec.defaultRhymeFlow
        }

    let json = Json.writeSpec spec
    Assert.Contains("\"spacing\": \"linspace\"", json)
    Assert.Equal(Ok spec, Json.readSpec json)

    let plain =
        Json.writeSpec
            { spec with
                Sampling = Spec.defaultSampling
            }

    Assert.DoesNotContain("spacing", plain)

    match Json.readSpec (json.Replace("\"linspace\"", "\"cosine\"")) with
    | Error e -> Assert.Equal("$.sampling.spacing", e.Field)
    | Ok _ -> failwith "expected an unknown spacing to be refused"

    match Json.readSpec (json.Replace("\"euler\"", "\"unipc\"")) with
    | Error e -> Assert.Equal("spacing", e.Field)
    | Ok _ -> failwith "expected linspace with unipc to be refused"
