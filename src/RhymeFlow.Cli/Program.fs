module RhymeFlow.Cli.Program

open Argu
open RhymeFlow.Cli.Arguments
open RhymeFlow.Cli.Failure

[<EntryPoint>]
let main argv =
    let parser = ArgumentParser.Create<CliArgs>(programName = "rhymeflow")
    let verbose = argv |> Array.exists (fun a -> a = "--verbose" || a = "-v")

    try
        let results = parser.ParseCommandLine(argv, raiseOnUsage = true)

        match results.GetSubCommand() with
        | Forward args -> Commands.Forward.run args
        | Sample args -> Commands.Sample.run args
        | Plan args -> Commands.Plan.run args
        | Inspect args -> Commands.Inspect.run args
        | Bench args -> Commands.Bench.run args
        | Generate args -> Commands.Generate.run args
        | Tokenize args -> Commands.Tokenize.run args
        | Profile args -> Commands.Profile.run args
        | Study args -> Commands.Study.run args
        | Worker args -> Commands.Worker.run args
        | Cluster_Bench args -> Commands.ClusterBench.run args
        | Verbose -> usageError "a verb is required (see --help)."
    with
    | :? ArguParseException as e when e.ErrorCode = ErrorCode.HelpText ->
        printfn "%s" e.Message
        ExitCode.Success
    | :? ArguParseException as e ->
        eprintfn "%s" e.Message
        ExitCode.BadUsage
    | :? System.OperationCanceledException ->
        eprintfn "cancelled."
        ExitCode.Cancelled
    | UsageError message ->
        eprintfn "error: %s" message
        ExitCode.BadUsage
    | error ->
        report verbose error
        ExitCode.RunFailed
