using RhymeFlow.Core;
using RhymeFlow.Host.Execution;
using static TorchSharp.torch;

namespace RhymeFlow.Train;

internal static class Shared
{
    public static readonly IReadOnlySet<string> NoFlags = new HashSet<string>();

    public static readonly IReadOnlyDictionary<string, SolverKind> Solvers = new Dictionary<string, SolverKind>
    {
        ["unipc"] = SolverKind.UniPC,
        ["euler"] = SolverKind.Euler,
    };

    public static Device Device(ArgReader reader)
    {
        var name = reader.String("--device", "cpu");
        try
        {
            return SingleForward.ParseDevice(name);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
    }
}
