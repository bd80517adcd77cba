using RhymeFlow.Host.Runtime;
using RhymeFlow.Train;

// The GLIBCXX shim (where one was built) must be loaded before the first TorchSharp call.
TorchRuntime.EnsureInitialized();

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine(Usage.Text);
    return args.Length == 0 ? 2 : 0;
}

try
{
    return args[0] switch
    {
        "train" => TrainCommand.Run(args[1..]),
        "eval" => EvalCommand.Run(args[1..]),
        "sweep" => SweepCommand.Run(args[1..]),
        "bench-generate" => BenchGenerateCommand.Run(args[1..]),
        "calibrate-teacache" => CalibrateTeaCacheCommand.Run(args[1..]),
        _ => throw new UsageException($"unknown subcommand '{args[0]}'"),
    };
}
catch (UsageException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine();
    Console.Error.WriteLine(Usage.Text);
    return 2;
}
