namespace RhymeFlow.Cluster.Grains;

/// <summary>What one worker did for a study.</summary>
[GenerateSerializer, Immutable]
public sealed record WorkerTally([property: Id(0)] string Worker, [property: Id(1)] int Done, [property: Id(2)] int Failed, [property: Id(3)] int Running);

/// <summary>Where a study stands on the cluster.</summary>
/// <param name="Total">Every job of the study.</param>
/// <param name="Done">Jobs with a result, failed ones and those finished before this submission included.</param>
/// <param name="Failed">Jobs that failed deterministically (reported once, not retried).</param>
/// <param name="Running">Jobs leased to a worker now.</param>
/// <param name="Pending">Jobs waiting for a worker.</param>
/// <param name="Requeued">Leases that ran out (a worker died or stalled) and went back to the queue.</param>
/// <param name="Duplicates">Completions of a job already done (a requeued job that both workers finished); counted once.</param>
/// <param name="Coordinator">The silo that holds the study's state.</param>
/// <param name="Workers">Each worker that took a job of the study, by silo address.</param>
[GenerateSerializer, Immutable]
public sealed record StudyProgress(
    [property: Id(0)] int Total,
    [property: Id(1)] int Done,
    [property: Id(2)] int Failed,
    [property: Id(3)] int Running,
    [property: Id(4)] int Pending,
    [property: Id(5)] int Requeued,
    [property: Id(6)] int Duplicates,
    [property: Id(7)] string Coordinator,
    [property: Id(8)] IReadOnlyList<WorkerTally> Workers)
{
    public bool IsComplete => Pending == 0 && Running == 0;
}
