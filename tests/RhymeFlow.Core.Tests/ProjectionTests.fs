module RhymeFlow.Core.Tests.ProjectionTests

open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open RhymeFlow.Core

[<Property(MaxTest = 200)>]
let ``alpha runs from 0 at the group start to 1 at its end, monotonically``
    (steps: PositiveInt)
    (start: NonNegativeInt)
    (length: PositiveInt)
    (euler: bool)
    =
    let n = min steps.Get 100
    let i = start.Get % n
    let stop = min n (i + length.Get)

    let ladder =
        Result.defaultWith
            (fun (e: ValidationError) -> failwith e.Message)
            (Sigmas.ladder (if euler then Euler else UniPC) 3.0 n)

    [ LinearSigma; LinearTimestep; FoCa false; Frozen ]
    |> List.forall (fun p ->
        let alphas = [ i..stop ] |> List.map (Projection.alpha p ladder i stop)

        List.head alphas = 0.0
        && (stop = i || List.last alphas = 1.0)
        && List.pairwise alphas |> List.forall (fun (a, b) -> a <= b))

[<Fact>]
let ``linear sigma alpha is the Euler fraction`` () =
    let ladder =
        Result.defaultWith (fun (e: ValidationError) -> failwith e.Message) (Sigmas.ladder Euler 3.0 10)

    let s = Array.ofList ladder.Sigmas
    Assert.Equal((s[2] - s[3]) / (s[2] - s[5]), Projection.alpha LinearSigma ladder 2 5 3, 12)
