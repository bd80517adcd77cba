namespace RhymeFlow.Core

open System.Text.Json
open RhymeFlow.Core.JsonSyntax

module internal JsonSpec =
    // ---- writing -------------------------------------------------------------------------------

    let private solverName =
        function
        | Euler -> "euler"
        | UniPC -> "unipc"
        | Ddim -> "ddim"

    let private writeStrategy w strategy =
        match strategy with
        | Semantic t -> obj w "strategy" "semantic" (fun () -> w.WriteNumber("threshold", t))
        | Uniform -> obj w "strategy" "uniform" ignore
        | KeyframeStrategy.Random seed -> obj w "strategy" "random" (fun () -> w.WriteNumber("seed", seed))
        | FirstM -> obj w "strategy" "firstM" ignore
        | Spread s -> obj w "strategy" "spread" (fun () -> w.WriteNumber("minSpacing", s))

    let private writeSkip w skip =
        match skip with
        | Fixed k -> obj w "skip" "fixed" (fun () -> w.WriteNumber("k", k))
        | Progressive p ->
            obj w "skip" "progressive" (fun () ->
                w.WriteNumber("min", p.Min)
                w.WriteNumber("max", p.Max)
                w.WriteNumber("first", p.First)
                w.WriteNumber("second", p.Second))

    let private writeProjection w projection =
        match projection with
        | LinearSigma -> obj w "projection" "linearSigma" ignore
        | LinearTimestep -> obj w "projection" "linearTimestep" ignore
        | FoCa heun -> obj w "projection" "foCa" (fun () -> w.WriteBoolean("heunCorrection", heun))
        | Frozen -> obj w "projection" "frozen" ignore

    let writeContext w (name: string) context =
        match context with
        | LayerKv -> obj w name "layerKv" ignore
        | LayerHidden p ->
            obj w name "layerHidden" (fun () -> w.WriteString("placement", (if p = Device then "device" else "host")))
        | ProjectedLatents -> obj w name "projectedLatents" ignore
        | KeyframesOnly -> obj w name "keyframesOnly" ignore

    let write (w: Utf8JsonWriter) (name: string) spec =
        obj w name "" (fun () ->
            obj w "sampling" "" (fun () ->
                w.WriteString("solver", solverName spec.Sampling.Solver)
                w.WriteNumber("shift", spec.Sampling.Shift)
                w.WriteNumber("steps", spec.Sampling.Steps)

                // Written only when not the default, so that files written before spacings existed read the same.
                match spec.Sampling.Spacing with
                | SolverDefault -> ()
                | Linspace -> w.WriteString("spacing", "linspace"))

            match spec.Schedule with
            | Dense -> obj w "schedule" "dense" ignore
            | FewerSteps n -> obj w "schedule" "fewerSteps" (fun () -> w.WriteNumber("steps", n))
            | RhymeFlow r ->
                obj w "schedule" "rhymeFlow" (fun () ->
                    w.WriteNumber("warmupSteps", r.WarmupSteps)
                    w.WriteNumber("budget", r.Budget)
                    writeStrategy w r.Strategy
                    writeSkip w r.Skip
                    writeProjection w r.Projection
                    writeContext w "context" r.Context

                    w.WriteString(
                        "coupling",
                        (if r.Coupling = KeyframeEuler then
                             "keyframeEuler"
                         else
                             "schedulerApprox")
                    )))

    // ---- reading -------------------------------------------------------------------------------

    let readContext node =
        union
            node
            [
                "layerKv", always LayerKv
                "layerHidden",
                (fun n ->
                    choice n "placement" [ "device", Device; "host", Host ]
                    |> Result.map LayerHidden)
                "projectedLatents", always ProjectedLatents
                "keyframesOnly", always KeyframesOnly
            ]

    let private readStrategy s =
        union
            s
            [
                "semantic", (fun s -> get s "threshold" asFloat |> Result.map Semantic)
                "uniform", always Uniform
                "random", (fun s -> get s "seed" asUInt64 |> Result.map KeyframeStrategy.Random)
                "firstM", always FirstM
                "spread", (fun s -> get s "minSpacing" asInt |> Result.map Spread)
            ]

    let private readProgressive s =
        result {
            let! lo = get s "min" asInt
            let! hi = get s "max" asInt
            let! first = get s "first" asFloat
            let! second = get s "second" asFloat

            return
                Progressive
                    {
                        Min = lo
                        Max = hi
                        First = first
                        Second = second
                    }
        }

    let private readProjection p =
        union
            p
            [
                "linearSigma", always LinearSigma
                "linearTimestep", always LinearTimestep
                "foCa", (fun p -> get p "heunCorrection" asBool |> Result.map FoCa)
                "frozen", always Frozen
            ]

    let private readRhymeFlow n =
        result {
            let! warmup = get n "warmupSteps" asInt
            let! budget = get n "budget" asInt
            let! strategy = get n "strategy" readStrategy

            let! skip =
                get n "skip" (fun s ->
                    union
                        s
                        [
                            "fixed", (fun s -> get s "k" asInt |> Result.map Fixed)
                            "progressive", readProgressive
                        ])

            let! projection = get n "projection" readProjection
            let! context = get n "context" readContext

            let! coupling =
                choice n "coupling" [ "keyframeEuler", KeyframeEuler; "schedulerApprox", SchedulerApprox ]

            return
                RhymeFlow
                    {
                        WarmupSteps = warmup
                        Budget = budget
                        Strategy = strategy
                        Skip = skip
                        Projection = projection
                        Context = context
                        Coupling = coupling
                    }
        }

    let readSampling node =
        result {
            let! solver = choice node "solver" [ "euler", Euler; "unipc", UniPC; "ddim", Ddim ]
            let! shift = get node "shift" asFloat
            let! steps = get node "steps" asInt

            let! spacing =
                optional node "spacing" (fun _ ->
                    choice node "spacing" [ "solver", SolverDefault; "linspace", Linspace ])

            return
                {
                    Solver = solver
                    Shift = shift
                    Steps = steps
                    Spacing = defaultArg spacing SolverDefault
                }
        }

    let readSchedule node =
        union
            node
            [
                "dense", always Dense
                "fewerSteps", (fun s -> get s "steps" asInt |> Result.map FewerSteps)
                "rhymeFlow", readRhymeFlow
            ]

    let read (node: Node) =
        result {
            let! sampling = get node "sampling" readSampling
            let! schedule = get node "schedule" readSchedule

            return!
                Spec.validate
                    {
                        Sampling = sampling
                        Schedule = schedule
                    }
        }
