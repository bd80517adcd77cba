/// Progress of a denoising run on stderr, shared by the verbs that sample (`sample`, `generate`).
module RhymeFlow.Cli.DenoiseProgress

open System
open System.Threading.Channels
open System.Threading.Tasks
open Spectre.Console
open RhymeFlow.Core
open RhymeFlow.Host.Execution

/// How progress is shown: not at all, one plain line per evaluation (stderr is not a terminal), or a
/// live bar on stderr.
type ProgressMode =
    | Silent
    | Lines
    | Live of IAnsiConsole

let mode quiet =
    if quiet then
        Silent
    else
        let console =
            AnsiConsole.Create(AnsiConsoleSettings(Out = AnsiConsoleOutput(Console.Error)))

        if not Console.IsErrorRedirected && console.Profile.Capabilities.Interactive then
            Live console
        else
            Lines

let kindText (kind: EvaluationKindView) =
    match kind with
    | EvaluationKindView.Full -> "full"
    | EvaluationKindView.Active -> "active"
    | _ -> "correction"

let reporter (report: EvaluationCompleted -> unit) =
    { new IProgress<DenoiseEvent> with
        member _.Report event =
            match event with
            | :? EvaluationCompleted as e -> report e
            | _ -> ()
    }

/// Runs `generate`, each line or bar description prefixed with `label`, showing its evaluations as `mode` says. Events arrive on the executor's
/// compute thread; for the live bar they go through a channel to this thread, which owns the
/// Spectre progress context and is the only one to touch it.
let run (mode: ProgressMode) (label: string) (steps: int) (generate: IProgress<DenoiseEvent> -> Task<'T>) : 'T =
    match mode with
    | Silent -> (generate (reporter ignore)).GetAwaiter().GetResult()
    | Lines ->
        let line (e: EvaluationCompleted) =
            eprintfn
                "%s[%d/%d] step %d/%d %-10s %6.0f ms"
                label
                (e.Index + 1)
                e.TotalEvaluations
                (e.Step + 1)
                steps
                (kindText e.Kind)
                e.Duration.TotalMilliseconds

        (generate (reporter line)).GetAwaiter().GetResult()
    | Live console ->
        let events =
            Channel.CreateUnbounded<EvaluationCompleted>(UnboundedChannelOptions(SingleReader = true))

        console
            .Progress()
            .AutoClear(false)
            .Columns(
                TaskDescriptionColumn(Alignment = Justify.Left),
                ProgressBarColumn(),
                PercentageColumn(),
                ElapsedTimeColumn(),
                RemainingTimeColumn()
            )
            .Start(fun context ->
                let bar = context.AddTask("loading", maxValue = 1.0)

                let run = generate (reporter (fun e -> events.Writer.TryWrite e |> ignore))

                run.ContinueWith(fun (_: Task<'T>) -> events.Writer.TryComplete() |> ignore)
                |> ignore

                while events.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult() do
                    let mutable e = Unchecked.defaultof<EvaluationCompleted>

                    while events.Reader.TryRead(&e) do
                        bar.MaxValue <- float e.TotalEvaluations
                        bar.Value <- float (e.Index + 1)

                        bar.Description <-
                            $"{Markup.Escape label}step {e.Step + 1}/{steps} {kindText e.Kind} [grey]({e.Index + 1}/{e.TotalEvaluations} evaluations)[/]"

                run.GetAwaiter().GetResult())
