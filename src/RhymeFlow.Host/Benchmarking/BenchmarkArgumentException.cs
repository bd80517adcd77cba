namespace RhymeFlow.Host.Benchmarking;

/// <summary>
/// A benchmark setting that cannot run (a wrong model name, a geometry the patch does not divide, CUDA asked for but
/// absent). The message names the command-line flag, so front ends report it as a usage error.
/// </summary>
public sealed class BenchmarkArgumentException : ArgumentException
{
    /// <summary>Creates the exception with a message that names the flag.</summary>
    public BenchmarkArgumentException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with no message.</summary>
    public BenchmarkArgumentException()
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public BenchmarkArgumentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
