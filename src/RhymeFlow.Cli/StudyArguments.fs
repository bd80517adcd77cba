/// The command line of the study and its cluster: `study`, `worker` and `cluster-bench`.
module RhymeFlow.Cli.StudyArguments

open Argu

type StudyArgs =
    | [<MainCommand>] File of path: string
    | Model of dir: string
    | Captions of count: int
    | Out of path: string
    | Images of dir: string
    | Results of dir: string
    | Device of device: string
    | Quiet
    | Cluster of address: string
    | Detach
    | Attach of study: string
    | Lease of seconds: float

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | File _ ->
                "the study file (JSON): name, model, captions, sampling, guidance, reference, repeats, contactSheet and rows; see docs/study.md and studies/builtin.json."
            | Model _ ->
                "a built-in-format model package to study instead of the file's model (default: the file's, \"builtin\" being the shipped package)."
            | Captions _ -> "run only this many of the file's held-out captions (a quick check of a study file)."
            | Out _ -> "the Markdown report to write (default: docs/study.md)."
            | Images _ ->
                "folder for the pictures: study-pareto.png and study-sheet.png (default: images/ beside the report)."
            | Results _ ->
                "folder of the study's job results, one small file per job key (default: REPORT-results/ beside the report); jobs already there are not run again."
            | Device _ ->
                "cpu (default) or cuda; with --cluster, the kind of worker that may take the jobs (default: any)."
            | Quiet -> "no progress output."
            | Cluster _ ->
                "redis://HOST:PORT: run the jobs on the cluster's workers (rhymeflow worker) instead of in this process; the results folder must be the same path on every worker (see docs/cluster.md)."
            | Detach -> "with --cluster: submit, print the study id and return; the workers go on."
            | Attach _ ->
                "with --cluster: wait for a submitted study by its id (printed on submission) and write its report; no study file needed."
            | Lease _ ->
                "with --cluster: seconds a job stays with a worker that stops renewing it (it died) before another worker takes it (default 10)."

type WorkerArgs =
    | [<Mandatory>] Cluster of address: string
    | Device of device: string
    | Model of dir: string
    | Threads of count: int
    | Advertise of ip: string

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Cluster _ -> "redis://HOST:PORT: the Redis that holds the cluster's membership."
            | Device _ -> "cpu (default), cuda or cuda:N: where this worker runs its jobs."
            | Model _ ->
                "a built-in-format model package to hold (default: the shipped package); jobs are matched to it by a hash of its weights, not its path."
            | Threads _ -> "torch CPU threads for this worker (default: torch's choice)."
            | Advertise _ ->
                "the IP address other silos reach this one at (default: 127.0.0.1 for a loopback Redis, else this machine's first network address)."

type ClusterBenchArgs =
    | Clips of count: int
    | Lease of seconds: float
    | Cluster of address: string

    interface IArgParserTemplate with
        member this.Usage =
            match this with
            | Clips _ -> "clips per measured run (default 16): captions of a one-row dense study on the built-in model."
            | Lease _ -> "the lease of the killed-worker run, in seconds (default 3)."
            | Cluster _ ->
                "redis://HOST:PORT of an existing Redis on this machine (default: start redis-server on a free loopback port)."
