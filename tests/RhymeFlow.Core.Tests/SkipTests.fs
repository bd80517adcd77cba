module RhymeFlow.Core.Tests.SkipTests

open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open RhymeFlow.Core
open RhymeFlow.Core.Tests.Generators

[<Fact>]
let ``the default progressive schedule cuts 40 steps into 11 groups`` () =
    let lengths =
        Skip.groups Skip.defaultSchedule 10 50 |> List.map (fun g -> g.End - g.Start)

    Assert.Equal<int list>([ 3; 3; 3; 3; 4; 4; 4; 4; 5; 5; 2 ], lengths)

[<Property(MaxTest = 200)>]
let ``groups tile the steps after warm-up`` (steps: PositiveInt) (warmup: NonNegativeInt) =
    Prop.forAll (Arb.fromGen genSkip) (fun skip ->
        let n = min steps.Get 100

        (warmup.Get <= n)
        ==> lazy
            (let groups = Skip.groups skip warmup.Get n
             let covered = groups |> List.collect (fun g -> [ g.Start .. g.End - 1 ])

             covered = [ warmup.Get .. n - 1 ]
             && groups |> List.forall (fun g -> g.End > g.Start)))

[<Fact>]
let ``invalid skips name the field and the range`` () =
    let bad p =
        Skip.validate (Progressive p) |> Result.mapError (fun e -> e.Message)

    let p =
        {
            Min = 3
            Max = 5
            First = 0.3
            Second = 0.7
        }

    Assert.Equal(Error "skip.max = 2 is out of range: expected >= 3 (skip.min)", bad { p with Max = 2 })
    Assert.Equal(Error "skip.first = 1.5 is out of range: expected [0, 1]", bad { p with First = 1.5 })

    Assert.Equal(
        Error "skip.second = 0.2 is out of range: expected [0.3, 1] (>= skip.first)",
        bad { p with Second = 0.2 }
    )

    Assert.Equal(
        Error "skip.k = 0 is out of range: expected >= 1",
        Skip.validate (Fixed 0) |> Result.mapError (fun e -> e.Message)
    )
