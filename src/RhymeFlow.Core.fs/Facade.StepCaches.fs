namespace RhymeFlow.Core

// The C# facade of the step caches (TeaCache, first-block cache): immutable per-batch states that decide one step at
// a time. The host keeps the tensors and measures the changes; every decision is made here.

open System
open System.Collections.Generic

type StepCacheKind =
    | TeaCache = 0
    | FirstBlock = 1

/// One step's decision for a batch, and the state the next step decides from.
[<Sealed>]
type StepCacheDecision internal (compute: bool, rowsCompute: bool list, next: StepCacheBatchState) =
    /// True: run every block and refresh the cache. False: reuse the cached residual.
    member _.Compute = compute

    /// What each row would have decided alone (the batch computes when any row says so).
    member _.RowsCompute = rowsCompute |> Interop.list

    member _.Next = next

/// The per-row states of a batch under one cache policy (rows: CFG's cond rows, then its uncond rows). Immutable:
/// Decide returns the next state.
and [<Sealed>] StepCacheBatchState
    internal
    (
        kind: StepCacheKind,
        teaCache: TeaCache.Config,
        threshold: float,
        tea: TeaCache.State list,
        first: FirstBlockCache.State list
    ) =
    member _.Kind = kind
    member _.Threshold = threshold
    member _.Rows = max tea.Length first.Length

    /// TeaCache's accumulated rescaled change per row; zeros for the first-block cache.
    member _.Accumulated =
        match kind with
        | StepCacheKind.TeaCache -> tea |> List.map _.Accumulated |> Interop.list
        | _ -> first |> List.map (fun _ -> 0.0) |> Interop.list

    /// Decides step `step` of `steps` from each row's relative L1 change (`changes`, one per row; NaN where no
    /// previous value exists).
    member this.Decide(step: int, steps: int, changes: IReadOnlyList<float>) =
        ArgumentNullException.ThrowIfNull changes

        if changes.Count <> this.Rows then
            raise (
                ArgumentException($"expected {this.Rows} changes (one per row), got {changes.Count}", nameof changes)
            )

        if step < 0 || step >= steps then
            raise (ArgumentOutOfRangeException(nameof step, step, $"expected 0..{steps - 1} (steps)"))

        let changes = List.ofSeq changes

        match kind with
        | StepCacheKind.TeaCache ->
            let observations =
                changes
                |> List.map (fun change ->
                    {
                        TeaCache.Step = step
                        TeaCache.Steps = steps
                        TeaCache.Change = change
                    })

            let rows =
                List.map2 (fun s o -> fst (TeaCache.decide teaCache s o) = Compute) tea observations

            let decision, next = TeaCache.decideBatch teaCache tea observations
            StepCacheDecision((decision = Compute), rows, StepCacheBatchState(kind, teaCache, threshold, next, first))
        | _ ->
            let observations =
                changes
                |> List.map (fun change ->
                    {
                        FirstBlockCache.Step = step
                        FirstBlockCache.Change = change
                    })

            let rows =
                List.map2 (fun s o -> fst (FirstBlockCache.decide threshold s o) = Compute) first observations

            let decision, next = FirstBlockCache.decideBatch threshold first observations
            StepCacheDecision((decision = Compute), rows, StepCacheBatchState(kind, teaCache, threshold, tea, next))

/// Factories of the step-cache policies for C#.
[<AbstractClass; Sealed>]
type StepCachePolicies =
    /// The TeaCache authors' Wan2.1 T2V-1.3B polynomial, highest power first.
    static member Wan13BCoefficients = (TeaCache.wan13B 0.0).Coefficients |> Interop.list

    /// The rescale polynomial at `change`, clamped at 0.
    static member Rescale(coefficients: IReadOnlyList<float>, change: float) =
        ArgumentNullException.ThrowIfNull coefficients
        TeaCache.rescale (List.ofSeq coefficients) change

    /// TeaCache over `rows` rows; threshold >= 0 (0 always computes), coefficients highest power first.
    static member TeaCache(threshold: float, coefficients: IReadOnlyList<float>, rows: int) =
        ArgumentNullException.ThrowIfNull coefficients
        StepCachePolicies.CheckRows rows

        let config =
            TeaCache.validate
                {
                    Threshold = threshold
                    Coefficients = List.ofSeq coefficients
                }
            |> Interop.orThrow

        StepCacheBatchState(StepCacheKind.TeaCache, config, threshold, List.replicate rows TeaCache.initial, [])

    /// The first-block cache over `rows` rows; threshold >= 0 (0 always computes).
    static member FirstBlock(threshold: float, rows: int) =
        StepCachePolicies.CheckRows rows
        FirstBlockCache.validateThreshold threshold |> Interop.orThrow |> ignore

        StepCacheBatchState(
            StepCacheKind.FirstBlock,
            TeaCache.wan13B threshold,
            threshold,
            [],
            List.replicate rows FirstBlockCache.initial
        )

    static member private CheckRows(rows: int) =
        if rows < 1 then
            raise (ArgumentOutOfRangeException(nameof rows, rows, "expected >= 1 rows"))
