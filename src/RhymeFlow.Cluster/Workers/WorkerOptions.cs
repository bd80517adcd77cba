namespace RhymeFlow.Cluster.Workers;

/// <summary>How a worker looks for work.</summary>
/// <param name="Poll">How long an idle worker waits before asking the board again.</param>
public sealed record WorkerOptions(TimeSpan Poll)
{
    public static WorkerOptions Default { get; } = new(TimeSpan.FromMilliseconds(100));
}
