namespace RhymeFlow.Core

// The C# facade of AsymRnR: specs, compiled schedules and profiled tier tables.

open System
open System.Runtime.InteropServices

/// The features whose redundancy a tier table holds.
type TokenFeatureKind =
    | Queries = 0
    | Keys = 1
    | Values = 2

type ReductionPolicyKind =
    | None = 0
    | Rule = 1
    | Profiled = 2

/// Redundancy tiers per feature, block and step, as the profile command writes them.
[<Sealed>]
type RedundancyTierTable internal (tiers: RedundancyTiers) =
    member _.Tiers = tiers
    member _.Levels = tiers.Levels
    member _.Blocks = tiers.QueryTiers.Length
    member _.Steps = tiers.QueryTiers.Head.Length

    member _.Tier(feature: TokenFeatureKind, block: int, step: int) =
        let rows =
            match Interop.defined "feature" feature with
            | TokenFeatureKind.Keys -> tiers.KeyTiers
            | TokenFeatureKind.Values -> tiers.ValueTiers
            | _ -> tiers.QueryTiers

        if block < 0 || block >= rows.Length then
            raise (ArgumentOutOfRangeException(nameof block, block, $"expected 0..{rows.Length - 1} (blocks)"))

        if step < 0 || step >= rows.Head.Length then
            raise (ArgumentOutOfRangeException(nameof step, step, $"expected 0..{rows.Head.Length - 1} (steps)"))

        rows[block][step]

    member _.ToJson() = Json.writeTiers tiers

    static member FromJson(json: string) =
        Json.readTiers json |> Interop.orThrow |> RedundancyTierTable

    /// `levels` quantile tiers of per-feature statistics indexed [block][step], higher meaning
    /// more redundant.
    static member FromStatistics(levels: int, queries: float[][], keys: float[][], values: float[][]) =
        let rows (name: string) (xs: float[][]) =
            ArgumentNullException.ThrowIfNull(xs, name)
            xs |> Array.map List.ofArray |> List.ofArray

        Reduction.tiers
            levels
            {
                QueryStatistics = rows (nameof queries) queries
                KeyStatistics = rows (nameof keys) keys
                ValueStatistics = rows (nameof values) values
            }
        |> Interop.orThrow
        |> RedundancyTierTable

/// An AsymRnR spec resolved for a model's blocks and a run's steps.
[<Sealed>]
type TokenReductionSchedule internal (schedule: ReductionSchedule) =
    member _.Schedule = schedule
    member _.Blocks = schedule.Blocks
    member _.Steps = schedule.Steps

    /// The ratios and reuse window of `block`'s self-attention at `step`.
    member _.At(step: int, block: int) = Reduction.at schedule step block

    member _.Windows = Reduction.windows schedule |> Interop.list

    /// True when nothing is ever removed, so every attention runs dense.
    member _.IsIdentity = Reduction.isIdentity schedule

    /// The plan's predicted cost with these reductions applied.
    member _.Cost(plan: PlanView, geometry: Geometry) =
        ArgumentNullException.ThrowIfNull plan

        ReductionCost.ofPlan geometry plan.Plan schedule
        |> Interop.orThrow
        |> PlanCostView

/// An AsymRnR spec: what a researcher writes, saves and runs alongside a schedule.
[<Sealed>]
type TokenReductionSpec(spec: ReductionSpec) =
    // Checked here too, so that no instance can write JSON its own FromJson would reject.
    do Reduction.validate spec |> Interop.orThrow |> ignore
    member _.Spec = spec

    member _.Kind =
        match spec.Policy with
        | NoReduction -> ReductionPolicyKind.None
        | ByRule _ -> ReductionPolicyKind.Rule
        | Profiled _ -> ReductionPolicyKind.Profiled

    member _.StrideFrames = spec.Stride.AlongFrames
    member _.StrideRows = spec.Stride.AlongRows
    member _.StrideColumns = spec.Stride.AlongColumns
    member _.ReuseSteps = spec.ReuseSteps
    member _.Seed = spec.Seed

    /// The largest ratio the stride allows (every window keeps its destination).
    member _.MaxRatio = Reduction.maxRatio spec.Stride

    member _.WithStride(frames: int, rows: int, columns: int) =
        TokenReductionSpec.Validated
            { spec with
                Stride =
                    {
                        AlongFrames = frames
                        AlongRows = rows
                        AlongColumns = columns
                    }
            }

    member _.WithReuseSteps(reuseSteps: int) =
        TokenReductionSpec.Validated { spec with ReuseSteps = reuseSteps }

    member _.WithSeed(seed: int) =
        TokenReductionSpec.Validated { spec with Seed = seed }

    member _.Compile(blocks: int, steps: int) =
        Reduction.compile blocks steps spec |> Interop.orThrow |> TokenReductionSchedule

    member _.ToJson() = Json.writeReduction spec

    static member FromJson(json: string) =
        Json.readReduction json |> Interop.orThrow |> TokenReductionSpec

    static member internal Validated(spec: ReductionSpec) =
        Reduction.validate spec |> Interop.orThrow |> TokenReductionSpec

    override _.ToString() = Json.writeReduction spec

[<AbstractClass; Sealed>]
type TokenReductions =
    static member private Build(policy, reuseSteps, seed, strideFrames, strideRows, strideColumns) =
        TokenReductionSpec.Validated
            {
                Policy = policy
                Stride =
                    {
                        AlongFrames = strideFrames
                        AlongRows = strideRows
                        AlongColumns = strideColumns
                    }
                ReuseSteps = reuseSteps
                Seed = seed
            }

    /// No reduction: every attention runs dense.
    static member None() = TokenReductionSpec Reduction.none

    /// The authors' HunyuanVideo "base": queries 0.9, keys/values 0.3, stride 6x2x2, reuse 3.
    static member HunyuanBase() =
        TokenReductionSpec Reduction.hunyuanBase

    /// Fixed ratios, except in steps before `fromStepFraction` of the run and blocks below `fromBlock`.
    static member Rule
        (
            queryRatio: float,
            keyValueRatio: float,
            [<Optional; DefaultParameterValue(0.0)>] fromStepFraction: float,
            [<Optional; DefaultParameterValue(0)>] fromBlock: int,
            [<Optional; DefaultParameterValue(3)>] reuseSteps: int,
            [<Optional; DefaultParameterValue(0)>] seed: int,
            [<Optional; DefaultParameterValue(2)>] strideFrames: int,
            [<Optional; DefaultParameterValue(2)>] strideRows: int,
            [<Optional; DefaultParameterValue(2)>] strideColumns: int
        ) =
        TokenReductions.Build(
            ByRule
                {
                    Ratios =
                        {
                            QueryRatio = queryRatio
                            KeyValueRatio = keyValueRatio
                        }
                    FromStepFraction = fromStepFraction
                    FromBlock = fromBlock
                },
            reuseSteps,
            seed,
            strideFrames,
            strideRows,
            strideColumns
        )

    /// Profiled tiers mapped to ratios: `queryRatios[t]` and `keyValueRatios[t]` for tier t.
    static member Profiled
        (
            tiers: RedundancyTierTable,
            queryRatios: float[],
            keyValueRatios: float[],
            [<Optional; DefaultParameterValue(3)>] reuseSteps: int,
            [<Optional; DefaultParameterValue(0)>] seed: int,
            [<Optional; DefaultParameterValue(2)>] strideFrames: int,
            [<Optional; DefaultParameterValue(2)>] strideRows: int,
            [<Optional; DefaultParameterValue(2)>] strideColumns: int
        ) =
        ArgumentNullException.ThrowIfNull tiers
        ArgumentNullException.ThrowIfNull queryRatios
        ArgumentNullException.ThrowIfNull keyValueRatios

        TokenReductions.Build(
            Profiled(
                tiers.Tiers,
                {
                    QueryByTier = List.ofArray queryRatios
                    KeyValueByTier = List.ofArray keyValueRatios
                }
            ),
            reuseSteps,
            seed,
            strideFrames,
            strideRows,
            strideColumns
        )
