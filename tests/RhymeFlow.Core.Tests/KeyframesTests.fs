module RhymeFlow.Core.Tests.KeyframesTests

open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open RhymeFlow.Core
open RhymeFlow.Core.Tests.Generators

let private strategies =
    [
        Semantic 0.98
        Semantic 0.5
        Uniform
        KeyframeStrategy.Random 7UL
        FirstM
        Spread 2
    ]

let private select strategy budget signatures =
    match Keyframes.selectFromSignatures strategy budget signatures with
    | Ok set -> set.Indices
    | Error e -> failwith e.Message

[<Property(MaxTest = 200, Arbitrary = [| typeof<Generators> |])>]
let ``selection gives exactly min(M, F) distinct sorted indices in range`` (Signatures s) (budget: PositiveInt) =
    let f = s.Length
    let m = min budget.Get 40

    strategies
    |> List.forall (fun strategy ->
        let keys = select strategy m s

        keys.Length = min m f
        && keys = List.sort (List.distinct keys)
        && keys |> List.forall (fun k -> k >= 0 && k < f))

[<Property(MaxTest = 200, Arbitrary = [| typeof<Generators> |])>]
let ``semantic keeps the first and last frame`` (Signatures s) (budget: PositiveInt) =
    let f = s.Length
    let m = min budget.Get 40

    (min m f >= 2)
    ==> lazy (let keys = select (Semantic 0.98) m s in List.head keys = 0 && List.last keys = f - 1)

[<Property(MaxTest = 200, Arbitrary = [| typeof<Generators> |])>]
let ``selection is deterministic and invariant to positive scaling of a signature``
    (Signatures s)
    (budget: PositiveInt)
    (frame: NonNegativeInt)
    (scale: PositiveInt)
    =
    let f = s.Length
    let target = frame.Get % f
    let factor = float scale.Get / 7.0

    let scaled =
        s |> List.mapi (fun i v -> if i = target then Array.map ((*) factor) v else v)

    let m = min budget.Get 40

    strategies
    |> List.forall (fun strategy ->
        select strategy m s = select strategy m s
        && select strategy m s = select strategy m scaled)

[<Fact>]
let ``semantic ranks middle frames by transition score`` () =
    // Frames 0-2 alike, a cut before 3, frames 3-5 alike with a weaker change before 5.
    let s =
        [
            [| 1.0; 0.0 |]
            [| 1.0; 0.0 |]
            [| 1.0; 0.01 |]
            [| 0.0; 1.0 |]
            [| 0.0; 1.0 |]
            [| 0.3; 1.0 |]
        ]

    Assert.Equal<int list>([ 0; 3; 5 ], select (Semantic 0.98) 3 s)

[<Fact>]
let ``semantic fills missing keyframes with gap midpoints`` () =
    let s = List.replicate 9 [| 1.0; 2.0 |]
    Assert.Equal<int list>([ 0; 4; 8 ], select (Semantic 0.98) 3 s)
    Assert.Equal<int list>([ 0; 2; 4; 8 ], select (Semantic 0.98) 4 s)

[<Fact>]
let ``uniform includes both ends`` () =
    Assert.Equal<int list>([ 0; 10; 20 ], (Keyframes.preview Uniform 3 21).Indices)

[<Fact>]
let ``invalid keyframe sets name the index and the range`` () =
    match KeyframeSet.create 5 [ 1; 7 ], KeyframeSet.create 5 [ 1; 1 ] with
    | Error a, Error b ->
        Assert.Equal("keyframes[1] = 7 is out of range: expected 0..4 (frames)", a.Message)
        Assert.Equal("keyframes[1]", b.Field)
    | _ -> failwith "expected errors"

[<Fact>]
let ``a bad threshold is an error, not an exception`` () =
    match Keyframes.select (Semantic 1.5) 2 [ [ 1.0 ] ] with
    | Error e -> Assert.Equal("threshold", e.Field)
    | Ok _ -> failwith "expected an error"
