namespace RhymeFlow.Tools.CommandLine;

/// <summary>A command line that cannot be run; the message says what is wrong, and the usage is printed after it.</summary>
internal sealed class UsageException(string message) : Exception(message);
