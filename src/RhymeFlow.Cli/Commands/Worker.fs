/// `worker`: a cluster worker (an Orleans silo) holding one model; it pulls study jobs for its device until stopped.
module RhymeFlow.Cli.Commands.Worker

open System
open System.Net
open System.Threading
open Argu
open Microsoft.Extensions.Hosting
open TorchSharp
open RhymeFlow.Host.BuiltIn
open RhymeFlow.Cluster.Hosting
open RhymeFlow.Cluster.Workers
open RhymeFlow.Cli.StudyArguments
open RhymeFlow.Cli
open RhymeFlow.Cli.Failure

/// cpu, cuda or cuda:N; the device and its kind ("cpu" or "cuda"), as studies ask for one.
let private device (value: string) =
    let fail () =
        usageError $"--device: '{value}' is not a device; expected cpu, cuda or cuda:N."

    match value.ToLowerInvariant().Split(':') with
    | [| "cpu" |] -> torch.CPU, "cpu"
    | [| "cuda" |]
    | [| "cuda"; _ |] as parts ->
        if not (torch.cuda.is_available ()) then
            usageError $"--device {value}, but TorchSharp sees no CUDA device."

        match parts with
        | [| _; index |] ->
            match Int32.TryParse index with
            | true, n when n >= 0 && n < torch.cuda.device_count () -> torch.device ($"cuda:{n}"), "cuda"
            | _ -> usageError $"--device {value}: expected cuda:N with N in 0..{torch.cuda.device_count () - 1}."
        | _ -> torch.CUDA, "cuda"
    | _ -> fail ()

let run (args: ParseResults<WorkerArgs>) : int =
    let redis = ClusterOptions.address "--cluster" (args.GetResult WorkerArgs.Cluster)

    let device, kind = device (args.GetResult(WorkerArgs.Device, defaultValue = "cpu"))

    match args.TryGetResult WorkerArgs.Threads with
    | Some n when n < 1 -> usageError $"--threads must be at least 1, got {n}."
    | Some n -> torch.set_num_threads n
    | None -> ()

    let advertise =
        args.TryGetResult WorkerArgs.Advertise
        |> Option.map (fun ip ->
            match IPAddress.TryParse ip with
            | true, address -> address
            | _ -> usageError $"--advertise: '{ip}' is not an IP address.")
        |> Option.toObj

    let model =
        match args.TryGetResult WorkerArgs.Model with
        | Some dir -> MiniModel.Load(requireFile "--model" dir, device)
        | None -> MiniModel.LoadDefault(device)

    use worker = new WorkerModel(model, kind)

    use host =
        WorkerSilo.StartAsync(redis, worker, advertise, CancellationToken.None).GetAwaiter().GetResult()

    eprintfn
        "worker up on %O: model %s on %s, %d torch threads; Ctrl+C stops it (its running job goes to another worker)."
        redis
        worker.Fingerprint
        kind
        (torch.get_num_threads ())

    host.WaitForShutdownAsync().GetAwaiter().GetResult()
    ExitCode.Success
