namespace RhymeFlow.Cluster.Grains;

/// <summary>
/// One study's queue of jobs, keyed by study id: it hands jobs to workers under leases, takes them back when a lease
/// runs out, and counts each job done once. It holds keys and counts only; results live in the shared folder.
/// </summary>
/// <remarks>
/// Its state is in memory: if its silo dies, the next call finds it empty (<see cref="Progress"/> returns null) and the
/// submitter submits again, which rebuilds the queue from the results folder. Nothing is lost, since a result file is
/// the only record of a finished job.
/// </remarks>
public interface IStudyGrain : IGrainWithStringKey
{
    /// <summary>Opens the study with its job keys in order and those still without a result; a no-op if it is open.</summary>
    Task<StudyProgress> Submit(StudySubmission submission, IReadOnlyList<string> jobs, IReadOnlyList<string> pending);

    /// <summary>The submission, or null when the study is not (or no longer) known here.</summary>
    Task<StudySubmission?> Submission();

    /// <summary>The next job for a worker holding <paramref name="model"/> on a <paramref name="device"/> ("cpu" or "cuda").</summary>
    Task<LeaseAnswer> Lease(string worker, string model, string device);

    /// <summary>Extends the worker's lease on the job; false when the lease is gone (the job went to another worker).</summary>
    Task<bool> Renew(string worker, string key);

    /// <summary>The worker wrote the job's result file (<paramref name="failed"/>: a deterministic failure).</summary>
    Task Complete(string worker, string key, bool failed);

    /// <summary>Where the study stands, or null when it is not known here.</summary>
    Task<StudyProgress?> Progress();
}
