/// The core's JSON readers (spec, plan, reduction, tier table) on mutated valid documents: each returns Ok or a
/// ValidationError, never throws, within a time bound and without allocating far beyond its input. The figures of each
/// run are printed: cases, outcomes, the longest case.
module RhymeFlow.Core.Tests.JsonHostileTests

open System
open System.Diagnostics
open System.Text.RegularExpressions
open System.Threading.Tasks
open RhymeFlow.Core
open Xunit
open Xunit.Abstractions

/// Values readers get wrong: out-of-range and non-integral numbers, other types, bad strings, size and depth bombs.
let private literals =
    [|
        "-1"
        "0"
        "1.5"
        "1e309"
        "-1e309"
        "2147483647"
        "2147483648"
        "-2147483649"
        "18446744073709551616"
        "null"
        "true"
        "\"\""
        "\"x\""
        "\"\\ud800\""
        "[]"
        "{}"
        "[1,2,3]"
        "[[2147483647]]"
        "\"" + String('a', 100_000) + "\""
        "[" + String.Join(",", Array.create 50_000 "1") + "]"
        String('[', 5_000) + String(']', 5_000)
        String.Concat(Array.create 5_000 "{\"a\":") + "1" + String('}', 5_000)
    |]

let private numberOrString =
    Regex("-?\\d+(\\.\\d+)?([eE][+-]?\\d+)?|\"[^\"]*\"", RegexOptions.Compiled)

let private key = Regex("\"[A-Za-z]+\"\\s*:", RegexOptions.Compiled)

/// One to three text mutations: a token replaced by a hostile literal, a key declared twice, a cut, a stray character.
let private mutate (random: System.Random) (json: string) =
    let mutable text = json

    for _ in 1 .. random.Next(1, 4) do
        let literal = literals[random.Next literals.Length]

        text <-
            match random.Next 5 with
            | 0
            | 1 ->
                let tokens = numberOrString.Matches text

                if tokens.Count = 0 then
                    text
                else
                    let token = tokens[random.Next tokens.Count]
                    text.Remove(token.Index, token.Length).Insert(token.Index, literal)
            | 2 ->
                let keys = key.Matches text

                if keys.Count = 0 then
                    text
                else
                    let k = keys[random.Next keys.Count]
                    text.Insert(k.Index, $"{k.Value} {literal}, ")
            | 3 -> text.Substring(0, random.Next(text.Length + 1))
            | _ ->
                let stray = [| '\uD800'; '\u0000'; '}'; ']'; ','; '"'; '\\' |]
                text.Insert(random.Next(text.Length + 1), string stray[random.Next stray.Length])

    text

let private spec =
    {
        Sampling = Spec.defaultSampling
        Schedule = RhymeFlow Spec.defaultRhymeFlow
    }

let private plan =
    match
        Plan.compile
            { spec with
                Sampling = { spec.Sampling with Steps = 12 }
            }
            9
            [ 2; 6 ]
    with
    | Ok plan -> plan
    | Error e -> failwith e.Message

let private profiled =
    let tiers =
        {
            Levels = 3
            QueryTiers = [ [ 0; 1; 2 ]; [ 2; 1; 0 ] ]
            KeyTiers = [ [ 1; 1; 1 ]; [ 0; 0; 2 ] ]
            ValueTiers = [ [ 2; 2; 0 ]; [ 1; 0; 1 ] ]
        }

    tiers,
    { Reduction.none with
        Policy =
            Profiled(
                tiers,
                {
                    QueryByTier = [ 0.0; 0.25; 0.5 ]
                    KeyValueByTier = [ 0.0; 0.25; 0.5 ]
                }
            )
    }

type JsonHostileTests(output: ITestOutputHelper) =
    static let caseTimeout = TimeSpan.FromSeconds 60.0

    let runReader (name: string) (cases: int) (valid: string list) (read: string -> Result<unit, ValidationError>) =
        task {
            let random = System.Random(20261134 + name.Length)
            let outcomes = Collections.Generic.Dictionary<string, int>()
            let mutable longest = TimeSpan.Zero
            let mutable longestCase = ""
            let total = Stopwatch.StartNew()

            for document in valid do
                Assert.True(Result.isOk (read document), $"{name}: the valid document does not read back")

            for i in 0 .. cases - 1 do
                let document = valid[i % valid.Length]
                let input = mutate random document

                let measure () =
                    let before = GC.GetAllocatedBytesForCurrentThread()
                    let clock = Stopwatch.StartNew()

                    let outcome =
                        try
                            match read input with
                            | Ok() -> "Ok"
                            | Error _ -> "Error"
                        with e ->
                            $"threw {e.GetType().Name}: {e.Message}"

                    outcome, clock.Elapsed, GC.GetAllocatedBytesForCurrentThread() - before

                let run = Task.Run measure
                let! finished = Task.WhenAny(run, Task.Delay caseTimeout)

                Assert.True(
                    Object.ReferenceEquals(finished, run),
                    $"{name} case {i} did not finish within {caseTimeout}"
                )

                let outcome, elapsed, allocated = run.Result
                Assert.True(outcome = "Ok" || outcome = "Error", $"{name} case {i}: {outcome}")
                let limit = 64L * int64 input.Length + (8L <<< 20)

                Assert.True(
                    allocated <= limit,
                    $"{name} case {i}: allocated {allocated} bytes for {input.Length} characters"
                )

                outcomes[outcome] <-
                    (match outcomes.TryGetValue outcome with
                     | true, n -> n
                     | _ -> 0)
                    + 1

                if elapsed > longest then
                    longest <- elapsed
                    longestCase <- $"case {i}"

            let summary =
                outcomes |> Seq.map (fun o -> $"{o.Key} {o.Value}") |> String.concat ", "

            output.WriteLine(
                $"{name}: {cases} cases ({summary}) in {total.Elapsed.TotalSeconds:F1} s; longest case {longest.TotalMilliseconds:F1} ms ({longestCase})"
            )

            let count outcome =
                match outcomes.TryGetValue outcome with
                | true, n -> n
                | _ -> 0

            Assert.True(count "Error" > cases / 4, summary)
            Assert.True(count "Ok" > 0, summary)
        }

    [<Fact>]
    member _.``mutated specs read or give a validation error``() =
        let other =
            {
                Sampling =
                    { Spec.defaultSampling with
                        Solver = Euler
                    }
                Schedule = FewerSteps 20
            }

        runReader "spec JSON" 500 [ Json.writeSpec spec; Json.writeSpec other ] (Json.readSpec >> Result.map ignore)

    [<Fact>]
    member _.``mutated plans read or give a validation error``() =
        runReader "plan JSON" 300 [ Json.writePlan plan ] (Json.readPlan >> Result.map ignore)

    [<Fact>]
    member _.``mutated reductions read or give a validation error``() =
        runReader
            "reduction JSON"
            500
            [
                Json.writeReduction Reduction.hunyuanBase
                Json.writeReduction (snd profiled)
            ]
            (Json.readReduction >> Result.map ignore)

    [<Fact>]
    member _.``mutated study files read or give a validation error``() =
        runReader "study JSON" 500 [ StudyTests.sampleJson ] (Json.readStudy >> Result.map ignore)

    [<Fact>]
    member _.``mutated tier tables read or give a validation error``() =
        runReader "tier table JSON" 500 [ Json.writeTiers (fst profiled) ] (Json.readTiers >> Result.map ignore)

    [<Fact>]
    member _.``a tier table claiming 2^31 levels is checked without building per-level ratios``() =
        let json =
            Json.writeTiers
                { fst profiled with
                    Levels = Int32.MaxValue
                }

        let before = GC.GetAllocatedBytesForCurrentThread()

        match Json.readTiers json with
        | Ok tiers -> Assert.Equal(Int32.MaxValue, tiers.Levels)
        | Error e -> failwith e.Message

        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < (16L <<< 20))

    [<Fact>]
    member _.``lone surrogates and infinite numbers are validation errors``() =
        let json = Json.writeSpec spec

        match Json.readSpec (json.Replace("\"unipc\"", "\"\\ud800\"")) with
        | Error e -> Assert.Equal("$.sampling.solver", e.Field)
        | Ok _ -> failwith "a lone surrogate was read as a solver name"

        // Not an escape but the character itself, which no UTF-8 text can hold.
        match Json.readSpec (json.Insert(1, string '\uD800')) with
        | Error e -> Assert.Equal(("$", "a lone surrogate at character 1"), (e.Field, e.Value))
        | Ok _ -> failwith "a spec with a lone surrogate was read"

        match Json.readSpec (json.Replace("\"shift\": 3", "\"shift\": 1e309")) with
        | Error e -> Assert.Equal("$.sampling.shift", e.Field)
        | Ok _ -> failwith "an infinite shift was accepted"
