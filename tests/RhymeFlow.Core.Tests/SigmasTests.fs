module RhymeFlow.Core.Tests.SigmasTests

open FsCheck.FSharp
open FsCheck.Xunit
open RhymeFlow.Core
open Xunit

let private ladder solver shift steps =
    match Sigmas.ladder solver shift steps with
    | Ok l -> l
    | Error e -> failwith e.Message

let private close (expected: float list) (actual: float list) =
    List.zip expected actual
    |> List.iter (fun (e, a) -> Assert.True(abs (e - a) <= 1e-6 * max 1.0 (abs e), $"expected {e}, got {a}"))

// Values from /work/shared/fixtures/wan-diffusers/schedulers-public.safetensors (float32 storage).
[<Fact>]
let ``Euler shift 3, 10 steps matches the diffusers fixture`` () =
    let l = ladder Euler 3.0 10
    close [ 1.0; 0.9601293206214905; 0.9133489727973938; 0.857692301273346 ] (List.take 4 l.Sigmas)
    close [ 0.2780487835407257; 0.008928571827709675; 0.0 ] (List.skip 8 l.Sigmas)
    close [ 1000.0; 960.1293334960938; 913.3489990234375 ] (List.take 3 l.Timesteps)

[<Fact>]
let ``Euler shift 5, 50 steps matches the diffusers fixture`` () =
    let l = ladder Euler 5.0 50
    close [ 1.0; 0.9958716034889221; 0.9916046261787415 ] (List.take 3 l.Sigmas)
    close [ 0.1148194670677185; 0.0244140662252903; 0.0 ] (List.skip 48 l.Sigmas)

[<Fact>]
let ``UniPC flow sigmas, shift 3, 10 steps match the fixture and have integer timesteps`` () =
    let l = ladder UniPC 3.0 10

    close
        [
            0.9999989867210388
            0.9643239974975586
            0.9231656789779663
            0.8751562237739563
        ]
        (List.take 4 l.Sigmas)

    close [ 0.4297945201396942; 0.251872181892395; 0.0 ] (List.skip 8 l.Sigmas)
    Assert.Equal<float list>([ 999.0; 964.0; 923.0; 875.0; 818.0; 750.0 ], List.take 6 l.Timesteps)
    Assert.Equal<float list>([ 563.0; 429.0; 251.0 ], List.skip 7 l.Timesteps)

[<Fact>]
let ``UniPC flow sigmas, shift 5, 50 steps match the fixture`` () =
    let l = ladder UniPC 5.0 50
    close [ 0.9999989867210388; 0.9959390759468079; 0.9917441010475159 ] (List.take 3 l.Sigmas)
    Assert.Equal<float list>([ 244.0; 175.0; 96.0 ], List.skip 47 l.Timesteps)

[<Fact>]
let ``invalid steps and shift name the field`` () =
    match Sigmas.ladder Euler 3.0 0, Sigmas.ladder UniPC 0.0 10 with
    | Error a, Error b ->
        Assert.Equal("steps = 0 is out of range: expected >= 1", a.Message)
        Assert.Equal("shift", b.Field)
    | _ -> failwith "expected errors"

[<Property(MaxTest = 200)>]
let ``ladders have N+1 strictly decreasing sigmas in (0,1] ending at 0`` (solverIsEuler: bool) =
    Prop.forAll (Arb.fromGen (Gen.zip (Gen.choose (1, 200)) (Gen.choose (1, 80)))) (fun (steps, shiftTenths) ->
        let l =
            ladder (if solverIsEuler then Euler else UniPC) (float shiftTenths / 10.0) steps

        let body = List.take steps l.Sigmas

        l.Sigmas.Length = steps + 1
        && l.Timesteps.Length = steps
        && List.last l.Sigmas = 0.0
        && body |> List.forall (fun s -> s > 0.0 && s <= 1.0)
        && List.pairwise l.Sigmas |> List.forall (fun (a, b) -> a > b))
