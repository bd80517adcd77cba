using RhymeFlow.Bench;
using RhymeFlow.Bench.Cli;
using RhymeFlow.Host.Benchmarking;
using RhymeFlow.Host.Runtime;

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
        "forward" => ForwardCommand.Run(ForwardOptions.Parse(args[1..]), args),
        "loop" => LoopCommand.Run(LoopOptions.Parse(args[1..]), args),
        _ => throw new UsageException($"unknown subcommand '{args[0]}'"),
    };
}
catch (Exception e) when (e is UsageException or BenchmarkArgumentException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine();
    Console.Error.WriteLine(Usage.Text);
    return 2;
}
