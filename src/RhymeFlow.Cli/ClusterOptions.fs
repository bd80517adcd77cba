/// The cluster's options at the edge: its address (a bad one is bad usage, exit 2) and the live progress line.
module RhymeFlow.Cli.ClusterOptions

open System
open RhymeFlow.Cluster
open RhymeFlow.Cluster.Grains
open RhymeFlow.Cli.Failure

/// `--cluster redis://HOST:PORT`, or a usage error that says what was expected.
let address (option: string) (value: string) =
    match RedisAddress.TryParse value with
    | true, address, _ -> address
    | _, _, error -> usageError $"{option}: {error}"

/// One line: the study's totals, then each worker's share.
/// Options that only mean something with --cluster, given without it: bad usage naming the first.
let requireCluster (flags: (string * bool) list) =
    for flag, present in flags do
        if present then
            usageError $"{flag} needs --cluster redis://HOST:PORT."

let progressLine (p: StudyProgress) =
    let workers =
        p.Workers
        |> Seq.map (fun w -> $"{w.Worker}: {w.Done} done, {w.Running} running, {w.Failed} failed")
        |> String.concat "; "

    let requeued = if p.Requeued > 0 then $", {p.Requeued} requeued" else ""

    $"{p.Done}/{p.Total} done, {p.Running} running, {p.Failed} failed, {p.Pending} waiting{requeued} | {workers}"

/// Shows progress as one line redrawn in place on a terminal, or as a new line whenever it changes otherwise.
let liveProgress (quiet: bool) =
    let mutable last = ""

    { new IProgress<StudyProgress> with
        member _.Report p =
            let line = progressLine p

            if not quiet && line <> last then
                last <- line

                if Console.IsErrorRedirected then
                    eprintfn "%s" line
                else
                    eprintf "\r%s\u001b[K" line
    }
