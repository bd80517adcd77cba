namespace RhymeFlow.Core

// The C# facade's read-only views of a compiled plan, its evaluations, transitions and cost.

/// One frame's transition in an evaluation; fields that do not apply are -1 (alpha: NaN).
[<Sealed>]
type FrameTransitionView internal (transition: FrameTransition) =
    member _.Kind =
        match transition with
        | Advance -> TransitionKind.Advance
        | Jump _ -> TransitionKind.Jump
        | Projected _ -> TransitionKind.Projected
        | Correct _ -> TransitionKind.Correct
        | Idle -> TransitionKind.Idle

    member _.Target =
        match transition with
        | Jump(target, _) -> target
        | _ -> -1

    /// The evaluation whose velocity FoCa's forecast also uses; -1 for a plain Euler jump.
    member _.ForecastFrom =
        match transition with
        | Jump(_, SecondOrder previous) -> previous
        | _ -> -1

    member _.Alpha =
        match transition with
        | Projected(alpha, _, _) -> alpha
        | _ -> nan

    member _.GroupStart =
        match transition with
        | Projected(_, start, _) -> start
        | _ -> -1

    member _.GroupEnd =
        match transition with
        | Projected(_, _, stop) -> stop
        | _ -> -1

    member _.JumpEvaluation =
        match transition with
        | Correct jump -> jump
        | _ -> -1

[<Sealed>]
type EvaluationView internal (plan: Plan, evaluation: Evaluation) =
    member _.Index = evaluation.Index
    member _.Step = evaluation.Step

    member _.Kind =
        match evaluation.Kind with
        | Full _ -> EvaluationKindView.Full
        | Active _ -> EvaluationKindView.Active
        | Correction -> EvaluationKindView.Correction

    member _.ComputedFrames = Plan.computedFrames plan evaluation |> Interop.list

    member _.RecordContextFrames =
        match evaluation.Kind with
        | Full record -> Interop.list record
        | Active _
        | Correction -> Interop.list []

    /// Where an active evaluation takes the non-keyframe context from (LayerKv otherwise).
    member _.Context =
        match evaluation.Kind with
        | Active(_, context) -> Interop.contextKind context
        | Full _
        | Correction -> ContextKind.LayerKv

    member _.Transitions =
        evaluation.Transitions |> List.map FrameTransitionView |> Interop.list

    member _.SigmaIndex = Interop.list evaluation.SigmaIndex

    /// Per-frame model timesteps (Ladder.Timesteps at SigmaIndex; 0 at the final index).
    member _.Timesteps =
        let timesteps = Array.ofList (plan.Ladder.Timesteps @ [ 0.0 ])
        evaluation.SigmaIndex |> List.map (fun i -> timesteps[i]) |> Interop.list

[<Sealed>]
type PlanCostView internal (cost: PlanCost) =
    member _.Flops = cost.Flops
    member _.DenseFlops = cost.DenseFlops
    member _.Speedup = cost.Speedup
    member _.PeakContextBytes = cost.PeakContextBytes
    member _.PeakActivationBytes = cost.PeakActivationBytes

    member _.EvaluationFlops =
        cost.Evaluations |> List.map (fun c -> c.Flops) |> Interop.list

/// A compiled plan, read-only.
[<Sealed>]
type PlanView(plan: Plan) =
    member _.Plan = plan
    member _.Frames = plan.Frames
    member _.Steps = Plan.steps plan
    member _.Sigmas = Interop.list plan.Ladder.Sigmas
    member _.Timesteps = Interop.list plan.Ladder.Timesteps
    member _.Keyframes = Interop.list plan.Keyframes

    member _.Evaluations =
        plan.Evaluations |> List.map (fun e -> EvaluationView(plan, e)) |> Interop.list

    member _.FullCount =
        plan.Evaluations
        |> List.filter (fun e ->
            match e.Kind with
            | Active _ -> false
            | Full _
            | Correction -> true)
        |> List.length

    member this.ActiveCount = plan.Evaluations.Length - this.FullCount

    member _.SigmaIndexMatrix =
        Plan.sigmaIndexMatrix plan |> List.map Array.ofList |> Array.ofList

    member _.Grid = Render.grid plan |> Interop.list
    member _.Render() = Render.render plan
    member _.ToJson() = Json.writePlan plan

    member _.Cost(geometry: Geometry) =
        Cost.ofPlan geometry plan |> Interop.orThrow |> PlanCostView

    /// A non-keyframe's state at step j of the group [start, stop) as the solver's deterministic
    /// (DDIM) transition: x_j = StartWeight·x_start + EndWeight·x_stop, on the plan's own ladder (the
    /// VP ladder for SolverKind.Ddim). On a flow ladder the weights are (1 - alpha, alpha) of the
    /// linear-sigma projection.
    member _.Blend(start: int, stop: int, j: int) =
        Plan.blend plan start stop j |> Interop.orThrow

    /// The solver's deterministic (DDIM) update from step start to the level of step j > start, on
    /// the plan's own ladder: x_j = State·x_start + Denoised·x0_start, x0_start being the clean
    /// prediction made at the start. On a VP ladder it is what a non-keyframe follows through its
    /// group; one step (j = start + 1) is CogVideoX's DDIM step.
    member _.FromPrediction(start: int, j: int) =
        Plan.fromPrediction plan start j |> Interop.orThrow

    /// The plan's projection rule at step j of the group [start, stop) as a blend of the group start
    /// and the jumped end, x_j = StartWeight·x_start + EndWeight·x_stop, on the plan's own ladder:
    /// the rule's α in the flow-equivalent coordinates (x / (√ᾱ + √(1-ᾱ)) on a VP ladder). On a flow
    /// ladder the weights are (1 - alpha, alpha) of the plan's projection; LinearSigma and FoCa give Blend.
    member _.Projected(start: int, stop: int, j: int) =
        Plan.projected plan start stop j |> Interop.orThrow

    /// FoCa on the plan's own ladder: the flow-equivalent velocity of a prediction made at step,
    /// v = OfState·x + OfPrediction·prediction (the prediction itself on a flow ladder, ε̂ - x̂0 on a VP one).
    member _.Velocity(step: int) =
        Plan.velocity plan step |> Interop.orThrow

    /// FoCa's forecast v̂ = v_step + slope·(v_step - v_previous) of flow-equivalent velocities, for
    /// the jump from step to target.
    member _.ForecastSlope(previous: int, step: int, target: int) =
        Plan.forecastSlope plan previous step target |> Interop.orThrow

    /// FoCa's Heun correction: x_stop = StartScale·x_start + HalfStep·(v_start + v_stop), with
    /// flow-equivalent velocities.
    member _.Heun(start: int, stop: int) =
        Plan.heun plan start stop |> Interop.orThrow

    static member FromJson(json: string) =
        Json.readPlan json |> Interop.orThrow |> PlanView
