module RhymeFlow.Core.Tests.PlanTests

open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open RhymeFlow.Core
open RhymeFlow.Core.Tests.Generators

let private isKeyframe (plan: Plan) f =
    match plan.Spec.Schedule with
    | RhymeFlow _ -> List.contains f plan.Keyframes
    | Dense
    | FewerSteps _ -> true

// 1
[<Property(MaxTest = 200, Arbitrary = [| typeof<Generators> |])>]
let ``every frame's sigma index starts at 0, strictly increases and ends at N`` (case: ValidCase) =
    let plan = compile case
    let n = Plan.steps plan
    let corrections = plan.Evaluations |> List.map (fun e -> e.Kind = Correction)
    let final, _ = replay plan

    Plan.sigmaIndexMatrix plan
    |> List.forall (fun row ->
        let ordinary =
            List.zip (List.take corrections.Length row) corrections
            |> List.filter (snd >> not)
            |> List.map fst

        let path = ordinary @ [ n ]

        List.head path = 0
        && List.last path = n
        && List.pairwise path |> List.forall (fun (a, b) -> a < b))
    && final |> List.forall ((=) n)

// 2
[<Property(MaxTest = 200, Arbitrary = [| typeof<Generators> |])>]
let ``after warm-up keyframes are evaluated at every step`` (case: ValidCase) =
    let plan = compile case

    [ warmupOf case.Spec .. Plan.steps plan - 1 ]
    |> List.forall (fun step ->
        let computed =
            plan.Evaluations
            |> List.filter (fun e -> e.Step = step)
            |> List.collect (Plan.computedFrames plan)

        plan.Keyframes |> List.forall (fun k -> List.contains k computed))

// 3
[<Property(MaxTest = 200, Arbitrary = [| typeof<Generators> |])>]
let ``non-keyframes are evaluated only in full evaluations, at most N times`` (case: ValidCase) =
    let plan = compile case
    let n = Plan.steps plan

    [ 0 .. plan.Frames - 1 ]
    |> List.filter (isKeyframe plan >> not)
    |> List.forall (fun f ->
        let evaluated =
            plan.Evaluations
            |> List.filter (fun e -> List.contains f (Plan.computedFrames plan e))

        evaluated
        |> List.forall (fun e ->
            match e.Kind with
            | Full _
            | Correction -> true
            | Active _ -> false)
        && evaluated.Length <= n)

// 4
[<Property(MaxTest = 200, Arbitrary = [| typeof<Generators> |])>]
let ``projection weights lie in [0,1] and all frames are in sync at every group end`` (case: ValidCase) =
    let plan = compile case
    let _, before = replay plan

    let alphas =
        plan.Evaluations
        |> List.collect (fun e -> e.Transitions)
        |> List.forall (function
            | Projected(a, _, _) -> a >= 0.0 && a <= 1.0
            | _ -> true)

    // A group ends where the next full evaluation (or a correction) starts.
    let synced =
        List.zip plan.Evaluations before
        |> List.forall (fun (e, states) ->
            match e.Kind with
            | Full _
            | Correction -> states |> List.forall ((=) e.Step) && e.SigmaIndex |> List.forall ((=) e.Step)
            | Active _ -> true)

    alphas && synced

// 5
[<Property(MaxTest = 200, Arbitrary = [| typeof<Generators> |])>]
let ``the first Tw evaluations are full dense steps`` (case: ValidCase) =
    let plan = compile case
    let tw = warmupOf case.Spec

    plan.Evaluations.Length >= tw
    && List.take tw plan.Evaluations
       |> List.mapi (fun i e -> e.Step = i && e.Kind = Full [] && e.Transitions |> List.forall ((=) Advance))
       |> List.forall id

let private withSchedule (case: ValidCase) schedule : ValidCase =
    { case with
        Spec = { case.Spec with Schedule = schedule }
    }

let private denseOf case = compile (withSchedule case Dense)

// 6
[<Property(MaxTest = 200, Arbitrary = [| typeof<Generators> |])>]
let ``RhymeFlow with every frame a keyframe has the dense evaluations`` (case: ValidCase) =
    match case.Spec.Schedule with
    | RhymeFlow r ->
        let all =
            { case with
                Keyframes = [ 0 .. case.Frames - 1 ]
            }

        (compile all).Evaluations = (denseOf case).Evaluations
    | Dense
    | FewerSteps _ -> true

[<Property(MaxTest = 200, Arbitrary = [| typeof<Generators> |])>]
let ``RhymeFlow with every skip 1 has the dense evaluations`` (case: ValidCase) =
    match case.Spec.Schedule with
    | RhymeFlow r ->
        let one = withSchedule case (RhymeFlow { r with Skip = Fixed 1 })

        let progressiveOne =
            withSchedule
                case
                (RhymeFlow
                    { r with
                        Skip =
                            Progressive
                                {
                                    Min = 1
                                    Max = 1
                                    First = 0.3
                                    Second = 0.7
                                }
                    })

        (compile one).Evaluations = (denseOf case).Evaluations
        && (compile progressiveOne).Evaluations = (denseOf case).Evaluations
    | Dense
    | FewerSteps _ -> true

[<Property(MaxTest = 100, Arbitrary = [| typeof<Generators> |])>]
let ``the warm-up stage is a prefix of every completed plan`` (case: ValidCase) =
    match Plan.prepare case.Spec case.Frames with
    | Ok prepared ->
        let warm = Plan.warmup prepared
        let plan = compile case

        // A preview stands for a plan whose keyframe set has the budgeted size; any other set may
        // change the count (FoCa's corrections exist only where non-keyframes do).
        let budgeted =
            match Plan.selection prepared with
            | Some s -> plan.Keyframes.Length = s.Budget
            | None -> true

        List.truncate warm.Length plan.Evaluations = warm
        && (not budgeted
            || (Plan.preview prepared).Evaluations.Length = plan.Evaluations.Length)
    | Error e -> failwith e.Message

// 10
[<Fact>]
let ``Tw 10, M 2, progressive 3..5 at 0.3/0.7, N 50 gives 21 full and 29 active evaluations`` () =
    let spec =
        {
            Sampling = Spec.defaultSampling
            Schedule = RhymeFlow Spec.defaultRhymeFlow
        }

    let plan =
        Result.defaultWith (fun (e: ValidationError) -> failwith e.Message) (Plan.compile spec 21 [ 0; 20 ])

    let full, active =
        plan.Evaluations
        |> List.partition (fun e ->
            match e.Kind with
            | Active _ -> false
            | _ -> true)

    Assert.Equal(21, full.Length)
    Assert.Equal(29, active.Length)

[<Fact>]
let ``FoCa with Heun correction adds a correction per group except the last`` () =
    let spec =
        {
            Sampling = Spec.defaultSampling
            Schedule =
                RhymeFlow
                    { Spec.defaultRhymeFlow with
                        Projection = FoCa true
                    }
        }

    let plan =
        Result.defaultWith (fun (e: ValidationError) -> failwith e.Message) (Plan.compile spec 21 [ 0; 20 ])

    let corrections = plan.Evaluations |> List.filter (fun e -> e.Kind = Correction)
    Assert.Equal(10, corrections.Length)
    Assert.All(corrections, fun e -> Assert.True(e.Step < 50))

[<Fact>]
let ``selection happens after the last warm-up evaluation`` () =
    let spec =
        {
            Sampling = Spec.defaultSampling
            Schedule = RhymeFlow Spec.defaultRhymeFlow
        }

    match Plan.prepare spec 21 |> Result.map Plan.selection with
    | Ok(Some s) -> Assert.Equal((9, 2), (s.AfterEvaluation, s.Budget))
    | _ -> failwith "expected a selection"

[<Property(MaxTest = 100, Arbitrary = [| typeof<Generators> |])>]
let ``every projected input has a finite DDIM blend, the linear-sigma one itself on flow ladders`` (case: ValidCase) =
    let plan = compile case

    let linearFlow =
        match plan.Spec.Sampling.Solver, plan.Spec.Schedule with
        | (Euler | UniPC), RhymeFlow { Projection = LinearSigma } -> true
        | _ -> false

    plan.Evaluations
    |> List.forall (fun e ->
        e.Transitions
        |> List.forall (fun t ->
            match t with
            | Projected(alpha, start, stop) ->
                match Plan.blend plan start stop e.Step with
                | Ok b when linearFlow ->
                    b =
                        {
                            StartWeight = 1.0 - alpha
                            EndWeight = alpha
                        }
                | Ok b -> System.Double.IsFinite b.StartWeight && System.Double.IsFinite b.EndWeight
                | Error _ -> false
            | Advance
            | Jump _
            | Correct _
            | Idle -> true))

// A dense two-frame plan on `sampling`, and the field an error names ("ok" for none).
let private densePlan sampling =
    Plan.compile
        {
            Sampling = sampling
            Schedule = Dense
        }
        2
        []
    |> Result.defaultWith (fun e -> failwith e.Message)

let private field r =
    match r with
    | Error(e: ValidationError) -> e.Field
    | Ok _ -> "ok"

[<Fact>]
let ``blend errors name start, stop and j`` () =
    let plan = densePlan Spec.defaultSampling

    Assert.Equal("start", field (Plan.blend plan 50 51 50))
    Assert.Equal("stop", field (Plan.blend plan 10 10 10))
    Assert.Equal("j", field (Plan.blend plan 10 13 14))
    Assert.Equal("ok", field (Plan.blend plan 10 13 12))

[<Fact>]
let ``fromPrediction errors name start and j, and the blend of start and jumped end follows it`` () =
    let plan = densePlan Spec.cogVideoXSampling

    Assert.Equal("start", field (Plan.fromPrediction plan 50 50))
    Assert.Equal("j", field (Plan.fromPrediction plan 10 10))
    Assert.Equal("j", field (Plan.fromPrediction plan 10 51))

    let get r =
        Result.defaultWith (fun (e: ValidationError) -> failwith e.Message) r

    // x_j = State_j·x_s + Denoised_j·x0 must equal StartWeight·x_s + EndWeight·x_stop with
    // x_stop = State_stop·x_s + Denoised_stop·x0, for every x_s and x0.
    for j in 11..12 do
        let here = Plan.fromPrediction plan 10 j |> get
        let stop = Plan.fromPrediction plan 10 13 |> get
        let b = Plan.blend plan 10 13 j |> get
        Assert.Equal(here.State, b.StartWeight + b.EndWeight * stop.State, 12)
        Assert.Equal(here.Denoised, b.EndWeight * stop.Denoised, 12)
