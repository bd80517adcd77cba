/// `cluster-bench`: the cluster against the in-process runner on this machine (see docs/cluster.md).
module RhymeFlow.Cli.Commands.ClusterBench

open System
open System.Reflection
open System.Threading
open Argu
open RhymeFlow.Cluster.Benchmarking
open RhymeFlow.Host.BuiltIn
open RhymeFlow.Cli.StudyArguments
open RhymeFlow.Cli
open RhymeFlow.Cli.Failure

let run (args: ParseResults<ClusterBenchArgs>) : int =
    let clips = args.GetResult(ClusterBenchArgs.Clips, defaultValue = 16)

    if clips < 2 || clips > HeldOutCaptions.Count then
        usageError $"--clips must be 2..{HeldOutCaptions.Count} (the held-out captions), got {clips}."

    let lease = args.GetResult(ClusterBenchArgs.Lease, defaultValue = 3.0)

    if not (lease > 0.0) then
        usageError $"--lease must be a positive number of seconds, got {lease}."

    let redis =
        args.TryGetResult ClusterBenchArgs.Cluster
        |> Option.map (ClusterOptions.address "--cluster")
        |> Option.toObj

    let command = WorkerProcess.SelfCommand(Assembly.GetEntryAssembly().Location)

    use cancellation = new CancellationTokenSource()
    use _ = cancelOnCtrlC cancellation

    ClusterBenchmark
        .RunAsync(ClusterBenchOptions(clips, lease, redis, command), Console.Out, cancellation.Token)
        .GetAwaiter()
        .GetResult()

    ExitCode.Success
