namespace RhymeFlow.Core

open System

type TokenFeature =
    | Queries
    | Keys
    | Values

type WindowStride =
    {
        AlongFrames: int
        AlongRows: int
        AlongColumns: int
    }

type ReductionRatios =
    {
        QueryRatio: float
        KeyValueRatio: float
    }

type ReductionRule =
    {
        Ratios: ReductionRatios
        FromStepFraction: float
        FromBlock: int
    }

type RedundancyTiers =
    {
        Levels: int
        QueryTiers: int list list
        KeyTiers: int list list
        ValueTiers: int list list
    }

type RedundancyStatistics =
    {
        QueryStatistics: float list list
        KeyStatistics: float list list
        ValueStatistics: float list list
    }

type TierRatios =
    {
        QueryByTier: float list
        KeyValueByTier: float list
    }

type ReductionPolicy =
    | NoReduction
    | ByRule of ReductionRule
    | Profiled of tiers: RedundancyTiers * ratios: TierRatios

type ReductionSpec =
    {
        Policy: ReductionPolicy
        Stride: WindowStride
        ReuseSteps: int
        Seed: int
    }

type ReuseWindow = { Start: int; Length: int }

type ReductionSetting =
    {
        Ratios: ReductionRatios
        Window: ReuseWindow
    }

// Settings are held [step][block] in arrays that never leave this type, so the schedule stays
// immutable from the outside while lookups are O(1).
[<Sealed>]
type ReductionSchedule internal (spec: ReductionSpec, blocks: int, steps: int, settings: ReductionSetting[][]) =
    member _.Spec = spec
    member _.Blocks = blocks
    member _.Steps = steps
    member internal _.Settings = settings

[<RequireQualifiedAccess>]
module Reduction =
    let private zero =
        {
            QueryRatio = 0.0
            KeyValueRatio = 0.0
        }

    [<CompiledName("DefaultStride")>]
    let defaultStride =
        {
            AlongFrames = 2
            AlongRows = 2
            AlongColumns = 2
        }

    [<CompiledName("MaxRatio")>]
    let maxRatio (stride: WindowStride) =
        1.0 - 1.0 / float (stride.AlongFrames * stride.AlongRows * stride.AlongColumns)

    [<CompiledName("None")>]
    let none =
        {
            Policy = NoReduction
            Stride = defaultStride
            ReuseSteps = 3
            Seed = 0
        }

    [<CompiledName("Uniform")>]
    let uniform ratios =
        { none with
            Policy =
                ByRule
                    {
                        Ratios = ratios
                        FromStepFraction = 0.0
                        FromBlock = 0
                    }
        }

    [<CompiledName("HunyuanBase")>]
    let hunyuanBase =
        { uniform
              {
                  QueryRatio = 0.9
                  KeyValueRatio = 0.3
              } with
            Stride =
                {
                    AlongFrames = 6
                    AlongRows = 2
                    AlongColumns = 2
                }
        }

    let private ratioIn (stride: WindowStride) field (value: float) =
        let max = maxRatio stride
        let shown = max.ToString("0.####", Globalization.CultureInfo.InvariantCulture)

        Validate.check
            (value >= 0.0 && value <= max)
            field
            value
            $"[0, {shown}] (stride {stride.AlongFrames}x{stride.AlongRows}x{stride.AlongColumns})"

    let private rectangular field (rows: 'T list list) =
        match rows with
        | [] -> Error(Validate.error $"{field}.blocks" 0 ">= 1")
        | first :: _ when List.isEmpty first -> Error(Validate.error $"{field}.steps" 0 ">= 1")
        | first :: _ ->
            rows
            |> List.tryFindIndex (fun row -> row.Length <> first.Length)
            |> function
                | Some block ->
                    Error(
                        Validate.error
                            $"{field}[{block}].length"
                            rows[block].Length
                            $"{first.Length} (every block's steps)"
                    )
                | None -> Ok(rows.Length, first.Length)

    let private sameShape field shape rows =
        rectangular field rows
        |> Result.bind (fun s ->
            if s = shape then
                Ok()
            else
                Error(
                    Validate.error
                        $"{field}.shape"
                        $"{fst s}x{snd s}"
                        $"{fst shape}x{snd shape} (blocks x steps of queries)"
                ))

    /// A profile's three per-feature tables, [block][step]: `levels` at least 1, the key and value tables shaped like
    /// the query table, and every cell `allowed` by `cellOk`; errors name the table and the cell.
    let private featureTables prefix levelsField levels (query, key, value) cellOk (allowed: string) =
        let cells field (rows: 'T list list) =
            rows
            |> List.mapi (fun b row -> row |> List.mapi (fun s cell -> b, s, cell))
            |> List.concat
            |> List.tryFind (fun (_, _, cell) -> not (cellOk cell))
            |> function
                | Some(b, s, cell) -> Error(Validate.error $"{field}[{b}][{s}]" cell allowed)
                | None -> Ok()

        Validate.atLeast levelsField 1 levels
        |> Result.bind (fun _ -> rectangular $"{prefix}.query" query)
        |> Result.bind (fun shape ->
            Validate.all
                [
                    sameShape $"{prefix}.key" shape key
                    sameShape $"{prefix}.value" shape value
                    cells $"{prefix}.query" query
                    cells $"{prefix}.key" key
                    cells $"{prefix}.value" value
                ])

    let internal validateTiers (tiers: RedundancyTiers) =
        featureTables
            "tiers"
            "tiers.levels"
            tiers.Levels
            (tiers.QueryTiers, tiers.KeyTiers, tiers.ValueTiers)
            (fun tier -> tier >= 0 && tier < tiers.Levels)
            $"0..{tiers.Levels - 1} (levels)"

    let private validateTierRatios stride levels (ratios: TierRatios) =
        let each field (xs: float list) =
            Validate.check (xs.Length = levels) $"{field}.length" xs.Length $"{levels} (one per tier level)"
            :: (xs |> List.mapi (fun i r -> ratioIn stride $"{field}[{i}]" r))

        Validate.all (
            each "ratios.query" ratios.QueryByTier
            @ each "ratios.keyValue" ratios.KeyValueByTier
        )

    [<CompiledName("Validate")>]
    let validate (spec: ReductionSpec) =
        let stride = spec.Stride

        let strideChecks =
            [
                Validate.check (stride.AlongFrames >= 1) "stride.frames" stride.AlongFrames ">= 1"
                Validate.check (stride.AlongRows >= 1) "stride.rows" stride.AlongRows ">= 1"
                Validate.check (stride.AlongColumns >= 1) "stride.columns" stride.AlongColumns ">= 1"
                Validate.check (spec.ReuseSteps >= 1) "reuseSteps" spec.ReuseSteps ">= 1"
            ]

        let policyChecks () =
            match spec.Policy with
            | NoReduction -> []
            | ByRule rule ->
                [
                    ratioIn stride "rule.queryRatio" rule.Ratios.QueryRatio
                    ratioIn stride "rule.keyValueRatio" rule.Ratios.KeyValueRatio
                    Validate.unitInterval "rule.fromStepFraction" rule.FromStepFraction
                    |> Result.map ignore
                    Validate.check (rule.FromBlock >= 0) "rule.fromBlock" rule.FromBlock ">= 0"
                ]
            | Profiled(tiers, ratios) ->
                [
                    validateTiers tiers
                    |> Result.bind (fun () -> validateTierRatios stride tiers.Levels ratios)
                ]

        Validate.all strideChecks
        |> Result.bind (fun () -> Validate.all (policyChecks ()))
        |> Result.map (fun () -> spec)

    let private ratiosAt (spec: ReductionSpec) steps step block =
        match spec.Policy with
        | NoReduction -> zero
        | ByRule rule ->
            if block >= rule.FromBlock && float step >= rule.FromStepFraction * float steps then
                rule.Ratios
            else
                zero
        | Profiled(tiers, ratios) ->
            let profiledSteps = tiers.QueryTiers.Head.Length
            // A run on another step count reads the profile at the same fraction of the way.
            let cell = min (profiledSteps - 1) (step * profiledSteps / steps)
            let keyValueTier = min tiers.KeyTiers.[block].[cell] tiers.ValueTiers.[block].[cell]

            {
                QueryRatio = ratios.QueryByTier[tiers.QueryTiers[block][cell]]
                KeyValueRatio = ratios.KeyValueByTier[keyValueTier]
            }

    [<CompiledName("Compile")>]
    let compile blocks steps spec =
        validate spec
        |> Result.bind (fun spec ->
            Validate.all
                [
                    Validate.check (blocks >= 1) "blocks" blocks ">= 1"
                    Validate.check (steps >= 1) "steps" steps ">= 1"
                    match spec.Policy with
                    | Profiled(tiers, _) ->
                        Validate.check
                            (tiers.QueryTiers.Length = blocks)
                            "tiers.blocks"
                            tiers.QueryTiers.Length
                            $"{blocks} (the model's blocks)"
                    | NoReduction
                    | ByRule _ -> Ok()
                ]
            |> Result.map (fun () ->
                let window step =
                    let start = step / spec.ReuseSteps * spec.ReuseSteps

                    {
                        Start = start
                        Length = min spec.ReuseSteps (steps - start)
                    }

                let settings =
                    Array.init steps (fun step ->
                        Array.init blocks (fun block ->
                            {
                                Ratios = ratiosAt spec steps step block
                                Window = window step
                            }))

                ReductionSchedule(spec, blocks, steps, settings)))

    [<CompiledName("At")>]
    let at (schedule: ReductionSchedule) step block =
        if step < 0 || step >= schedule.Steps then
            raise (ArgumentOutOfRangeException(nameof step, step, $"expected 0..{schedule.Steps - 1} (steps)"))

        if block < 0 || block >= schedule.Blocks then
            raise (ArgumentOutOfRangeException(nameof block, block, $"expected 0..{schedule.Blocks - 1} (blocks)"))

        schedule.Settings[step][block]

    [<CompiledName("Windows")>]
    let windows (schedule: ReductionSchedule) =
        schedule.Settings
        |> Seq.map (fun blocks -> blocks[0].Window)
        |> Seq.distinct
        |> List.ofSeq

    [<CompiledName("IsIdentity")>]
    let isIdentity (schedule: ReductionSchedule) =
        schedule.Settings |> Array.forall (Array.forall (fun s -> s.Ratios = zero))

    [<CompiledName("Tiers")>]
    let tiers levels (statistics: RedundancyStatistics) =
        let band (rows: float list list) =
            let cells = rows |> List.concat
            let sorted = cells |> List.sort |> Array.ofList
            // The tier of a value is the band of its first rank, so equal statistics share a tier.
            let tierOf value =
                let rank = Array.BinarySearch(sorted, value) |> fun i -> if i < 0 then ~~~i else i

                let rec first i =
                    if i > 0 && sorted[i - 1] = value then first (i - 1) else i

                min (levels - 1) (first rank * levels / sorted.Length)

            rows |> List.map (List.map tierOf)

        featureTables
            "statistics"
            "levels"
            levels
            (statistics.QueryStatistics, statistics.KeyStatistics, statistics.ValueStatistics)
            Double.IsFinite
            "finite values"
        |> Result.map (fun () ->
            {
                Levels = levels
                QueryTiers = band statistics.QueryStatistics
                KeyTiers = band statistics.KeyStatistics
                ValueTiers = band statistics.ValueStatistics
            })
