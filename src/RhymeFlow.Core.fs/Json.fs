namespace RhymeFlow.Core

open System
open System.IO
open System.Text
open System.Text.Json

[<RequireQualifiedAccess>]
module Json =
    // ---- writing -------------------------------------------------------------------------------

    let private write (body: Utf8JsonWriter -> unit) =
        use stream = new MemoryStream()

        do
            use writer = new Utf8JsonWriter(stream, JsonWriterOptions(Indented = true))
            body writer

        Encoding.UTF8.GetString(stream.ToArray())

    let private obj (w: Utf8JsonWriter) (name: string) kind (fields: unit -> unit) =
        (if name = "" then
             w.WriteStartObject()
         else
             w.WriteStartObject name)

        (if kind = "" then
             ()
         else
             w.WriteString("kind", (kind: string)))

        fields ()
        w.WriteEndObject()

    let private ints (w: Utf8JsonWriter) (name: string) (xs: int list) =
        w.WriteStartArray name
        xs |> List.iter w.WriteNumberValue
        w.WriteEndArray()

    let private floats (w: Utf8JsonWriter) (name: string) (xs: float list) =
        w.WriteStartArray name
        xs |> List.iter w.WriteNumberValue
        w.WriteEndArray()

    let private solverName =
        function
        | Euler -> "euler"
        | UniPC -> "unipc"

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

    let private writeContext w (name: string) context =
        match context with
        | LayerKv -> obj w name "layerKv" ignore
        | LayerHidden p ->
            obj w name "layerHidden" (fun () -> w.WriteString("placement", (if p = Device then "device" else "host")))
        | ProjectedLatents -> obj w name "projectedLatents" ignore
        | KeyframesOnly -> obj w name "keyframesOnly" ignore

    let private writeSpecBody (w: Utf8JsonWriter) (name: string) spec =
        obj w name "" (fun () ->
            obj w "sampling" "" (fun () ->
                w.WriteString("solver", solverName spec.Sampling.Solver)
                w.WriteNumber("shift", spec.Sampling.Shift)
                w.WriteNumber("steps", spec.Sampling.Steps))

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

    [<CompiledName("WriteSpec")>]
    let writeSpec spec =
        write (fun w -> writeSpecBody w "" spec)

    let private writeTransition (w: Utf8JsonWriter) transition =
        match transition with
        | Advance -> obj w "" "advance" ignore
        | Jump(target, forecast) ->
            obj w "" "jump" (fun () ->
                w.WriteNumber("target", target)

                match forecast with
                | Current -> ()
                | SecondOrder previous -> w.WriteNumber("forecastFrom", previous))
        | Projected(alpha, start, stop) ->
            obj w "" "projected" (fun () ->
                w.WriteNumber("alpha", alpha)
                w.WriteNumber("groupStart", start)
                w.WriteNumber("groupEnd", stop))
        | Correct jump -> obj w "" "correct" (fun () -> w.WriteNumber("jumpEvaluation", jump))
        | Idle -> obj w "" "idle" ignore

    let private writeEvaluation (w: Utf8JsonWriter) (e: Evaluation) =
        obj w "" "" (fun () ->
            w.WriteNumber("index", e.Index)
            w.WriteNumber("step", e.Step)

            match e.Kind with
            | Full record -> obj w "kind" "full" (fun () -> ints w "recordContext" record)
            | Active(frames, context) ->
                obj w "kind" "active" (fun () ->
                    ints w "frames" frames
                    writeContext w "context" context)
            | Correction -> obj w "kind" "correction" ignore

            w.WriteStartArray "transitions"
            e.Transitions |> List.iter (writeTransition w)
            w.WriteEndArray()
            ints w "sigmaIndex" e.SigmaIndex)

    [<CompiledName("WritePlan")>]
    let writePlan (plan: Plan) =
        write (fun w ->
            obj w "" "" (fun () ->
                writeSpecBody w "spec" plan.Spec
                w.WriteNumber("frames", plan.Frames)
                floats w "sigmas" plan.Ladder.Sigmas
                floats w "timesteps" plan.Ladder.Timesteps
                ints w "keyframes" plan.Keyframes
                w.WriteStartArray "evaluations"
                plan.Evaluations |> List.iter (writeEvaluation w)
                w.WriteEndArray()))

    // ---- reading -------------------------------------------------------------------------------

    type private ResultBuilder() =
        member _.Bind(r, f) = Result.bind f r
        member _.Return v = Ok v
        member _.ReturnFrom(r: Result<_, ValidationError>) = r

    let private result = ResultBuilder()

    /// A JSON node together with its path, so every error can say where it happened.
    type private Node = { Element: JsonElement; Path: string }

    let private fail (node: Node) expected =
        Error
            {
                Field = node.Path
                Value = node.Element.ValueKind.ToString()
                Allowed = expected
            }

    let private field (node: Node) (name: string) =
        let path = $"{node.Path}.{name}"

        match node.Element.ValueKind with
        | JsonValueKind.Object ->
            match node.Element.TryGetProperty name with
            | true, value -> Ok { Element = value; Path = path }
            | false, _ ->
                Error
                    {
                        Field = path
                        Value = "missing"
                        Allowed = "a value"
                    }
        | _ -> fail node "an object"

    let private bind f r = Result.bind f r

    let private number (parse: JsonElement -> bool * 'T) expected (node: Node) : Result<'T, ValidationError> =
        if node.Element.ValueKind = JsonValueKind.Number then
            match parse node.Element with
            | true, v -> Ok v
            | false, _ -> fail node expected
        else
            fail node expected

    let private asInt node =
        number (fun e -> e.TryGetInt32()) "an int32" node

    let private asFloat node =
        number (fun e -> e.TryGetDouble()) "a number" node

    let private asUInt64 node =
        number (fun e -> e.TryGetUInt64()) "an unsigned 64-bit integer" node

    let private asBool (node: Node) =
        match node.Element.ValueKind with
        | JsonValueKind.True -> Ok true
        | JsonValueKind.False -> Ok false
        | _ -> fail node "true or false"

    let private asString (node: Node) =
        if node.Element.ValueKind = JsonValueKind.String then
            Ok(node.Element.GetString())
        else
            fail node "a string"

    let private asList (item: Node -> Result<'T, ValidationError>) (node: Node) =
        if node.Element.ValueKind = JsonValueKind.Array then
            node.Element.EnumerateArray()
            |> Seq.mapi (fun i e ->
                {
                    Element = e
                    Path = $"{node.Path}[{i}]"
                })
            |> Seq.fold (fun acc n -> acc |> bind (fun xs -> item n |> Result.map (fun x -> x :: xs))) (Ok [])
            |> Result.map List.rev
        else
            fail node "an array"

    let private get node name read = field node name |> bind read

    let private choice (node: Node) (name: string) (cases: (string * 'T) list) =
        field node name
        |> bind (fun n ->
            asString n
            |> bind (fun s ->
                match cases |> List.tryFind (fst >> (=) s) with
                | Some(_, v) -> Ok v
                | None ->
                    Error
                        {
                            Field = n.Path
                            Value = s
                            Allowed = String.Join(" | ", cases |> List.map fst)
                        }))

    let private union (node: Node) (cases: (string * (Node -> Result<'T, ValidationError>)) list) =
        choice node "kind" cases |> bind (fun read -> read node)

    let private always v = fun (_: Node) -> Ok v

    let private readContext node =
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

    let private readSpecNode (node: Node) =
        result {
            let! sampling = field node "sampling"
            let! solver = choice sampling "solver" [ "euler", Euler; "unipc", UniPC ]
            let! shift = get sampling "shift" asFloat
            let! steps = get sampling "steps" asInt

            let! schedule =
                get node "schedule" (fun s ->
                    union
                        s
                        [
                            "dense", always Dense
                            "fewerSteps", (fun s -> get s "steps" asInt |> Result.map FewerSteps)
                            "rhymeFlow", readRhymeFlow
                        ])

            return!
                Spec.validate
                    {
                        Sampling =
                            {
                                Solver = solver
                                Shift = shift
                                Steps = steps
                            }
                        Schedule = schedule
                    }
        }

    let private parse json (read: Node -> Result<'T, ValidationError>) =
        try
            use document = JsonDocument.Parse(json: string)

            read
                {
                    Element = document.RootElement
                    Path = "$"
                }
        with :? JsonException as e ->
            Error
                {
                    Field = "$"
                    Value = e.Message
                    Allowed = "well-formed JSON"
                }

    [<CompiledName("ReadSpec")>]
    let readSpec json = parse json readSpecNode

    let private readTransition node =
        union
            node
            [
                "advance", always Advance
                "jump",
                (fun n ->
                    get n "target" asInt
                    |> bind (fun target ->
                        match n.Element.TryGetProperty "forecastFrom" with
                        | true, _ -> get n "forecastFrom" asInt |> Result.map (fun p -> Jump(target, SecondOrder p))
                        | false, _ -> Ok(Jump(target, Current))))
                "projected",
                (fun n ->
                    get n "alpha" asFloat
                    |> bind (fun a ->
                        get n "groupStart" asInt
                        |> bind (fun s -> get n "groupEnd" asInt |> Result.map (fun e -> Projected(a, s, e)))))
                "correct", (fun n -> get n "jumpEvaluation" asInt |> Result.map Correct)
                "idle", always Idle
            ]

    let private readKind k =
        union
            k
            [
                "full", (fun k -> get k "recordContext" (asList asInt) |> Result.map Full)
                "active",
                (fun k ->
                    result {
                        let! frames = get k "frames" (asList asInt)
                        let! context = get k "context" readContext
                        return Active(frames, context)
                    })
                "correction", always Correction
            ]

    let private readEvaluation node =
        result {
            let! index = get node "index" asInt
            let! step = get node "step" asInt
            let! kind = get node "kind" readKind
            let! transitions = get node "transitions" (asList readTransition)
            let! sigmaIndex = get node "sigmaIndex" (asList asInt)

            return
                {
                    Index = index
                    Step = step
                    Kind = kind
                    Transitions = transitions
                    SigmaIndex = sigmaIndex
                }
        }

    [<CompiledName("ReadPlan")>]
    let readPlan json =
        parse json (fun node ->
            result {
                let! spec = get node "spec" readSpecNode
                let! frames = get node "frames" asInt
                let! sigmas = get node "sigmas" (asList asFloat)
                let! timesteps = get node "timesteps" (asList asFloat)
                let! keyframes = get node "keyframes" (asList asInt)
                let! evaluations = get node "evaluations" (asList readEvaluation)

                return
                    {
                        Spec = spec
                        Frames = frames
                        Ladder =
                            {
                                Sigmas = sigmas
                                Timesteps = timesteps
                            }
                        Keyframes = keyframes
                        Evaluations = evaluations
                    }
            })
