/// How the command line reports failures: a clear message and an exit code, never a stack trace
/// unless --verbose.
module RhymeFlow.Cli.Failure

open System
open System.IO
open System.Threading

/// Exit codes: 0 success, 1 a failed run, 2 bad usage, 130 cancelled (Ctrl+C).
[<RequireQualifiedAccess>]
module ExitCode =
    [<Literal>]
    let Success = 0

    [<Literal>]
    let RunFailed = 1

    [<Literal>]
    let BadUsage = 2

    [<Literal>]
    let Cancelled = 130

/// Bad usage found after parsing (an option's value, a missing file).
exception UsageError of string

let usageError message = raise (UsageError message)

/// Bad usage for the first of `flags` given (name, whether given): `why flag` says why it does not apply.
let rejectGiven (why: string -> string) (flags: (string * bool) list) =
    match flags |> List.tryFind snd with
    | Some(flag, _) -> usageError (why flag)
    | None -> ()

let requireFile (option: string) (path: string) =
    if not (File.Exists path || Directory.Exists path) then
        usageError $"{option}: no such file or folder: {path}"

    path

/// What a Ctrl+C does: the first cancels `cancellation` (true: keep the process alive to finish cleanly), a later one
/// does not (false: let the process terminate).
let cancelsGracefully (cancellation: CancellationTokenSource) =
    if cancellation.IsCancellationRequested then
        false
    else
        cancellation.Cancel()
        true

/// Subscribes Ctrl+C for one run: the first cancels `cancellation` gracefully, a second terminates the process.
/// Dispose to unsubscribe, so that runs in one process (the tests) do not pile up handlers.
let cancelOnCtrlC (cancellation: CancellationTokenSource) : IDisposable =
    Console.CancelKeyPress.Subscribe(fun e ->
        if cancelsGracefully cancellation then
            e.Cancel <- true
            eprintfn "cancelling; press Ctrl+C again to stop at once.")

let report (verbose: bool) (error: exn) =
    let rec innermost (e: exn) =
        match e with
        | :? AggregateException as a when a.InnerExceptions.Count = 1 -> innermost a.InnerException
        | :? Reflection.TargetInvocationException as t when not (isNull t.InnerException) -> innermost t.InnerException
        | _ -> e

    let error = innermost error
    eprintfn "error: %s" error.Message

    if verbose then
        eprintfn "%O" error
