namespace RhymeFlow.Cluster.Grains;

/// <summary>
/// The cluster's list of open studies (one board, key 0): workers ask it for work and it asks each open study in turn.
/// A study with nothing left to hand out, or one that lost its state, leaves the board; its submitter puts it back.
/// </summary>
public interface IJobBoardGrain : IGrainWithIntegerKey
{
    /// <summary>Puts the study on the board; a no-op if it is there.</summary>
    Task Open(string studyId);

    /// <summary>A job of the first open study that has one for this worker, or null.</summary>
    Task<JobLease?> Lease(string worker, string model, string device);
}
