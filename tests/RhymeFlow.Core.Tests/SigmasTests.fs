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

let private spaced solver shift steps =
    match Sigmas.spacedLadder solver Linspace shift steps with
    | Ok l -> l
    | Error e -> failwith e.Message

// Values from /work/shared/fixtures/hunyuanvideo-diffusers/hunyuanvideo-tiny.loop.safetensors (float32 storage).
[<Fact>]
let ``linspace Euler shift 7, 10 and 50 steps equals HunyuanVideo's pipeline tables exactly`` () =
    let l = spaced Euler 7.0 10
    Assert.Equal<float list>([ 1.0; 0.984375; 0.9655172228813171; 0.9423077702522278 ], List.take 4 l.Sigmas)
    Assert.Equal<float list>([ 0.6363636255264282; 0.4375; 0.0 ], List.skip 8 l.Sigmas)
    Assert.Equal<float list>([ 1000.0; 984.375; 965.5172119140625; 942.3078002929688 ], List.take 4 l.Timesteps)
    Assert.Equal<float list>([ 750.0; 636.3636474609375; 437.5 ], List.skip 7 l.Timesteps)
    let l50 = spaced Euler 7.0 50
    Assert.Equal<float list>([ 1.0; 0.9970930218696594; 0.9940828680992126 ], List.take 3 l50.Sigmas)
    Assert.Equal<float list>([ 0.22580644488334656; 0.125; 0.0 ], List.skip 48 l50.Sigmas)
    Assert.Equal<float list>([ 308.8235168457031; 225.8064422607422; 125.0 ], List.skip 47 l50.Timesteps)

// Flow shifts of 1 and more (HunyuanVideo's is 7): below 1, float32 rounding moves the first sigma off 1.
let private genShiftAndSteps =
    Arb.fromGen (Gen.zip (Gen.choose (1, 200)) (Gen.choose (10, 120)))

[<Property(MaxTest = 200)>]
let ``linspace ladders start at 1, end at 0, decrease strictly and are the shifted linspace to within 1e-6`` () =
    Prop.forAll genShiftAndSteps (fun (steps, shiftTenths) ->
        let shift = float shiftTenths / 10.0
        let l = spaced Euler shift steps

        let exact =
            List.init steps (fun i -> Sigmas.shift shift (1.0 - float i / float steps))

        l.Sigmas.Length = steps + 1
        && l.Timesteps.Length = steps
        && List.head l.Sigmas = 1.0
        && List.last l.Sigmas = 0.0
        && List.pairwise l.Sigmas |> List.forall (fun (a, b) -> a > b)
        && List.forall2 (fun (e: float) a -> abs (e - a) <= 1e-6) exact (List.take steps l.Sigmas)
        // The model's timestep is 1000·σ rounded to float32, as the scheduler stores it.
        && List.forall2 (fun (s: float) t -> t = float (float32 s * 1000.0f)) (List.take steps l.Sigmas) l.Timesteps)

[<Property(MaxTest = 100)>]
let ``linspace is its own ladder: shift 1 gives 1 - i/N, and Wan's default spacing is another`` () =
    Prop.forAll (Arb.fromGen (Gen.choose (2, 200))) (fun steps ->
        let plain = spaced Euler 1.0 steps
        let solverDefault = ladder Euler 1.0 steps

        List.take steps plain.Sigmas = List.init steps (fun i -> float (float32 (1.0 - float i / float steps)))
        // diffusers' own table ends at shift(1/1000), not at 1/N: the two ladders differ below the top.
        && List.item (steps - 1) plain.Sigmas <> List.item (steps - 1) solverDefault.Sigmas)

[<Fact>]
let ``linspace is refused for solvers other than Euler, naming spacing`` () =
    for solver in [ UniPC; Ddim ] do
        match Sigmas.spacedLadder solver Linspace 3.0 10 with
        | Error e -> Assert.Equal("spacing", e.Field)
        | Ok _ -> failwith $"expected {solver} with linspace to be refused"

    // The spacing does not mask the other checks.
    match Sigmas.spacedLadder Euler Linspace 7.0 0 with
    | Error e -> Assert.Equal("steps", e.Field)
    | Ok _ -> failwith "expected steps 0 to be refused"

[<Property(MaxTest = 100, Arbitrary = [| typeof<Generators.Generators> |])>]
let ``a plan's ladder and its linear-sigma projection weights are those of its spacing`` (case: Generators.ValidCase) =
    let plan = Generators.compile case
    let sampling = case.Spec.Sampling

    let expected =
        Sigmas.spacedLadder sampling.Solver sampling.Spacing sampling.Shift (Spec.ladderSteps case.Spec)
        |> Result.defaultWith (fun e -> failwith e.Message)

    let s = Array.ofList expected.Sigmas

    plan.Ladder = expected
    && plan.Evaluations
       |> List.forall (fun e ->
           e.Transitions
           |> List.forall (fun t ->
               match t, plan.Spec.Schedule with
               | Projected(alpha, start, stop), RhymeFlow { Projection = LinearSigma } ->
                   abs (alpha - (s[start] - s[e.Step]) / (s[start] - s[stop])) <= 1e-12
               | _ -> true))
