namespace RhymeFlow.Core

open System.Text.Json
open RhymeFlow.Core.JsonSyntax

module internal JsonPlan =
    // ---- writing -------------------------------------------------------------------------------

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
                    JsonSpec.writeContext w "context" context)
            | Correction -> obj w "kind" "correction" ignore

            w.WriteStartArray "transitions"
            e.Transitions |> List.iter (writeTransition w)
            w.WriteEndArray()
            ints w "sigmaIndex" e.SigmaIndex)

    let write (w: Utf8JsonWriter) (plan: Plan) =
        obj w "" "" (fun () ->
            JsonSpec.write w "spec" plan.Spec
            w.WriteNumber("frames", plan.Frames)
            floats w "sigmas" plan.Ladder.Sigmas
            floats w "timesteps" plan.Ladder.Timesteps
            ints w "keyframes" plan.Keyframes
            w.WriteStartArray "evaluations"
            plan.Evaluations |> List.iter (writeEvaluation w)
            w.WriteEndArray())

    // ---- reading -------------------------------------------------------------------------------

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
                        let! context = get k "context" JsonSpec.readContext
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

    let read (node: Node) =
        result {
            let! spec = get node "spec" JsonSpec.read
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
        }
