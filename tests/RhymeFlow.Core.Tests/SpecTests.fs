module RhymeFlow.Core.Tests.SpecTests

open RhymeFlow.Core
open Xunit

let private rhyme (f: RhymeFlowSpec -> RhymeFlowSpec) =
    {
        Sampling = Spec.defaultSampling
        Schedule = RhymeFlow(f Spec.defaultRhymeFlow)
    }

let private message frames spec =
    match Spec.validateFor frames spec with
    | Error e -> e.Message
    | Ok _ -> "valid"

[<Fact>]
let ``every invalid spec names the field and the allowed range`` () =
    Assert.Equal(
        "warmupSteps = 60 is out of range: expected 0..50 (steps)",
        message 21 (rhyme (fun r -> { r with WarmupSteps = 60 }))
    )

    Assert.Equal(
        "budget = 22 is out of range: expected 1..21 (frames)",
        message 21 (rhyme (fun r -> { r with Budget = 22 }))
    )

    Assert.Equal("budget = 0 is out of range: expected >= 1", message 21 (rhyme (fun r -> { r with Budget = 0 })))

    Assert.Equal(
        "threshold = 1.5 is out of range: expected (-1, 1]",
        message 21 (rhyme (fun r -> { r with Strategy = Semantic 1.5 }))
    )

    Assert.Equal(
        "skip.min = 0 is out of range: expected >= 1",
        message
            21
            (rhyme (fun r ->
                { r with
                    Skip =
                        Progressive
                            {
                                Min = 0
                                Max = 5
                                First = 0.3
                                Second = 0.7
                            }
                }))
    )

    Assert.Equal(
        "steps = 0 is out of range: expected >= 1",
        message
            21
            {
                Sampling = { Spec.defaultSampling with Steps = 0 }
                Schedule = Dense
            }
    )

    Assert.Equal(
        "fewerSteps = 80 is out of range: expected 1..50 (steps)",
        message
            21
            {
                Sampling = Spec.defaultSampling
                Schedule = FewerSteps 80
            }
    )

    Assert.Equal(
        "frames = 0 is out of range: expected >= 1",
        message
            0
            {
                Sampling = Spec.defaultSampling
                Schedule = Dense
            }
    )

[<Fact>]
let ``the defaults are valid`` () =
    Assert.Equal("valid", message 21 (rhyme id))
