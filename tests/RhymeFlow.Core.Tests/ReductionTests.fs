module RhymeFlow.Core.Tests.ReductionTests

open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open RhymeFlow.Core

let private genStride =
    gen {
        let! f = Gen.choose (1, 6)
        let! r = Gen.choose (1, 3)
        let! c = Gen.choose (1, 3)

        return
            {
                AlongFrames = f
                AlongRows = r
                AlongColumns = c
            }
    }

/// A ratio in [0, max] on a 1/100 grid of the allowed range, ends included.
let private genRatio stride =
    let max = Reduction.maxRatio stride

    Gen.choose (0, 100)
    |> Gen.map (fun k -> if k = 100 then max else max * float k / 100.0)

let private genTiers blocks steps levels =
    let grid =
        Gen.listOfLength blocks (Gen.listOfLength steps (Gen.choose (0, levels - 1)))

    gen {
        let! q = grid
        let! k = grid
        let! v = grid

        return
            {
                Levels = levels
                QueryTiers = q
                KeyTiers = k
                ValueTiers = v
            }
    }

/// A valid spec for a model of `blocks` blocks: any policy, stride, reuse and seed.
let private genSpec blocks =
    gen {
        let! stride = genStride
        let! reuse = Gen.choose (1, 8)
        let! seed = Gen.choose (0, 10000)
        let! q = genRatio stride
        let! kv = genRatio stride
        let! fromStep = Gen.choose (0, 100) |> Gen.map (fun k -> float k / 100.0)
        let! fromBlock = Gen.choose (0, blocks + 1)
        let! levels = Gen.choose (1, 4)
        let! profiledSteps = Gen.choose (1, 12)
        let! tiers = genTiers blocks profiledSteps levels
        let! qByTier = Gen.listOfLength levels (genRatio stride)
        let! kvByTier = Gen.listOfLength levels (genRatio stride)

        let! policy =
            Gen.elements
                [
                    NoReduction
                    ByRule
                        {
                            Ratios = { QueryRatio = q; KeyValueRatio = kv }
                            FromStepFraction = fromStep
                            FromBlock = fromBlock
                        }
                    Profiled(
                        tiers,
                        {
                            QueryByTier = qByTier
                            KeyValueByTier = kvByTier
                        }
                    )
                ]

        return
            {
                Policy = policy
                Stride = stride
                ReuseSteps = reuse
                Seed = seed
            }
    }

type private Case =
    {
        Blocks: int
        Steps: int
        Spec: ReductionSpec
    }

let private cases =
    gen {
        let! blocks = Gen.choose (1, 8)
        let! steps = Gen.choose (1, 60)
        let! spec = genSpec blocks

        return
            {
                Blocks = blocks
                Steps = steps
                Spec = spec
            }
    }
    |> Arb.fromGen

let private compiled case =
    match Reduction.compile case.Blocks case.Steps case.Spec with
    | Ok schedule -> schedule
    | Error e -> failwith e.Message

let private settings case =
    let schedule = compiled case

    [
        for step in 0 .. case.Steps - 1 do
            for block in 0 .. case.Blocks - 1 -> step, block, Reduction.at schedule step block
    ]

[<Property(MaxTest = 200)>]
let ``every ratio lies in [0, max] for the stride`` () =
    Prop.forAll cases (fun case ->
        let max = Reduction.maxRatio case.Spec.Stride

        settings case
        |> List.forall (fun (_, _, s) ->
            let inRange r = r >= 0.0 && r <= max
            inRange s.Ratios.QueryRatio && inRange s.Ratios.KeyValueRatio))

[<Property(MaxTest = 200)>]
let ``reuse windows cover every step exactly once`` () =
    Prop.forAll cases (fun case ->
        let schedule = compiled case
        let windows = Reduction.windows schedule

        let covered =
            windows |> List.collect (fun w -> [ w.Start .. w.Start + w.Length - 1 ])

        covered = [ 0 .. case.Steps - 1 ]
        && windows
           |> List.forall (fun w -> w.Length >= 1 && w.Length <= case.Spec.ReuseSteps)
        && settings case
           |> List.forall (fun (step, _, s) -> s.Window.Start <= step && step < s.Window.Start + s.Window.Length))

[<Property(MaxTest = 200)>]
let ``a schedule is the identity exactly when every ratio is zero`` () =
    Prop.forAll cases (fun case ->
        let zero =
            settings case
            |> List.forall (fun (_, _, s) -> ReductionCost.attentionFraction s = 1.0)

        Reduction.isIdentity (compiled case) = zero)

[<Property(MaxTest = 200)>]
let ``zero ratios under any policy compile to the identity`` () =
    Prop.forAll cases (fun case ->
        let zeroed =
            match case.Spec.Policy with
            | NoReduction -> NoReduction
            | ByRule r ->
                ByRule
                    { r with
                        Ratios =
                            {
                                QueryRatio = 0.0
                                KeyValueRatio = 0.0
                            }
                    }
            | Profiled(tiers, _) ->
                let zeros = List.replicate tiers.Levels 0.0

                Profiled(
                    tiers,
                    {
                        QueryByTier = zeros
                        KeyValueByTier = zeros
                    }
                )

        Reduction.isIdentity (
            compiled
                { case with
                    Spec = { case.Spec with Policy = zeroed }
                }
        ))

[<Property(MaxTest = 200)>]
let ``a rule reduces exactly from its step fraction and block on`` () =
    Prop.forAll cases (fun case ->
        match case.Spec.Policy with
        | ByRule rule ->
            settings case
            |> List.forall (fun (step, block, s) ->
                let active =
                    block >= rule.FromBlock
                    && float step >= rule.FromStepFraction * float case.Steps

                s.Ratios =
                    (if active then
                         rule.Ratios
                     else
                         {
                             QueryRatio = 0.0
                             KeyValueRatio = 0.0
                         }))
        | NoReduction
        | Profiled _ -> true)

[<Property(MaxTest = 200)>]
let ``a profiled policy maps each cell's tiers, keys and values by the lower tier`` () =
    Prop.forAll cases (fun case ->
        match case.Spec.Policy with
        | Profiled(tiers, ratios) ->
            // On the profiled step count every step reads its own cell.
            let steps = tiers.QueryTiers.Head.Length
            let schedule = compiled { case with Steps = steps }

            [
                for b in 0 .. case.Blocks - 1 do
                    for s in 0 .. steps - 1 -> b, s
            ]
            |> List.forall (fun (b, s) ->
                let setting = Reduction.at schedule s b
                let kvTier = min tiers.KeyTiers.[b].[s] tiers.ValueTiers.[b].[s]

                setting.Ratios.QueryRatio = ratios.QueryByTier[tiers.QueryTiers[b][s]]
                && setting.Ratios.KeyValueRatio = ratios.KeyValueByTier[kvTier])
        | NoReduction
        | ByRule _ -> true)

[<Property(MaxTest = 200)>]
let ``reduction spec JSON round-trip is the identity`` () =
    Prop.forAll cases (fun case -> Json.readReduction (Json.writeReduction case.Spec) = Ok case.Spec)

[<Property(MaxTest = 100)>]
let ``tier table JSON round-trip is the identity`` () =
    let tables =
        gen {
            let! blocks = Gen.choose (1, 6)
            let! steps = Gen.choose (1, 20)
            let! levels = Gen.choose (1, 5)
            return! genTiers blocks steps levels
        }
        |> Arb.fromGen

    Prop.forAll tables (fun tiers -> Json.readTiers (Json.writeTiers tiers) = Ok tiers)

let private statistics =
    gen {
        let! blocks = Gen.choose (1, 6)
        let! steps = Gen.choose (1, 12)

        let grid =
            Gen.listOfLength blocks (Gen.listOfLength steps (Gen.choose (-100, 100) |> Gen.map float))

        let! q = grid
        let! k = grid
        let! v = grid
        let! levels = Gen.choose (1, 5)

        return
            levels,
            {
                QueryStatistics = q
                KeyStatistics = k
                ValueStatistics = v
            }
    }
    |> Arb.fromGen

[<Property(MaxTest = 200)>]
let ``tiers lie in 0..levels-1 and never fall as redundancy rises`` () =
    Prop.forAll statistics (fun (levels, stats) ->
        match Reduction.tiers levels stats with
        | Error e -> failwith e.Message
        | Ok tiers ->
            let pairs (xs: float list list) (ts: int list list) =
                List.zip (List.concat xs) (List.concat ts)

            [
                pairs stats.QueryStatistics tiers.QueryTiers
                pairs stats.KeyStatistics tiers.KeyTiers
                pairs stats.ValueStatistics tiers.ValueTiers
            ]
            |> List.forall (fun cells ->
                cells |> List.forall (fun (_, t) -> t >= 0 && t < levels)
                && cells
                   |> List.forall (fun (a, ta) -> cells |> List.forall (fun (b, tb) -> a <= b || ta >= tb))))

[<Fact>]
let ``distinct statistics split into equal quantile bands`` () =
    let stats = [ [ 0.1; 0.5; 0.9; 0.3; 0.7; 0.2 ] ]

    let tiers =
        Reduction.tiers
            3
            {
                QueryStatistics = stats
                KeyStatistics = stats
                ValueStatistics = stats
            }

    match tiers with
    | Ok t -> Assert.Equal<int list list>([ [ 0; 1; 2; 1; 2; 0 ] ], t.QueryTiers)
    | Error e -> failwith e.Message

[<Fact>]
let ``errors name the field and the allowed range`` () =
    let message spec =
        match Reduction.validate spec with
        | Error e -> e.Message
        | Ok _ -> "accepted"

    Assert.Equal(
        "rule.queryRatio = 0.9 is out of range: expected [0, 0.875] (stride 2x2x2)",
        message (
            Reduction.uniform
                {
                    QueryRatio = 0.9
                    KeyValueRatio = 0.3
                }
        )
    )

    Assert.Equal("accepted", message Reduction.hunyuanBase)

    Assert.Equal("reuseSteps = 0 is out of range: expected >= 1", message { Reduction.none with ReuseSteps = 0 })

    let tiers =
        {
            Levels = 2
            QueryTiers = [ [ 0; 1 ]; [ 1; 0 ] ]
            KeyTiers = [ [ 0; 1 ]; [ 1; 2 ] ]
            ValueTiers = [ [ 0; 1 ]; [ 1; 0 ] ]
        }

    let profiled =
        { Reduction.none with
            Policy =
                Profiled(
                    tiers,
                    {
                        QueryByTier = [ 0.0; 0.5 ]
                        KeyValueByTier = [ 0.0; 0.3 ]
                    }
                )
        }

    Assert.Equal("tiers.key[1][1] = 2 is out of range: expected 0..1 (levels)", message profiled)

    let fixedTiers =
        { profiled with
            Policy =
                Profiled(
                    { tiers with
                        KeyTiers = tiers.QueryTiers
                    },
                    {
                        QueryByTier = [ 0.0; 0.5 ]
                        KeyValueByTier = [ 0.0; 0.3 ]
                    }
                )
        }

    match Reduction.compile 30 50 fixedTiers with
    | Error e -> Assert.Equal("tiers.blocks = 2 is out of range: expected 30 (the model's blocks)", e.Message)
    | Ok _ -> failwith "expected an error"

[<Fact>]
let ``a tier table with negative levels is a validation error, not an exception`` () =
    let json =
        Json.writeTiers
            {
                Levels = 1
                QueryTiers = [ [ 0 ] ]
                KeyTiers = [ [ 0 ] ]
                ValueTiers = [ [ 0 ] ]
            }

    match Json.readTiers (json.Replace("\"levels\": 1", "\"levels\": -2")) with
    | Error e -> Assert.Equal("tiers.levels = -2 is out of range: expected >= 1", e.Message)
    | Ok _ -> failwith "expected an error"
