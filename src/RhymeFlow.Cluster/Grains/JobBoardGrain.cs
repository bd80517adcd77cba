namespace RhymeFlow.Cluster.Grains;

/// <summary>The board of open studies (see <see cref="IJobBoardGrain"/>). Studies never call it back, so calls cannot deadlock.</summary>
internal sealed class JobBoardGrain : Grain, IJobBoardGrain
{
    private readonly List<string> _open = [];

    public Task Open(string studyId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(studyId);
        if (!_open.Contains(studyId))
        {
            _open.Add(studyId);
        }

        return Task.CompletedTask;
    }

    public async Task<JobLease?> Lease(string worker, string model, string device)
    {
        foreach (var id in _open.ToArray())
        {
            var answer = await GrainFactory.GetGrain<IStudyGrain>(id).Lease(worker, model, device).ConfigureAwait(true);
            if (!answer.Open)
            {
                _open.Remove(id);
            }

            if (answer.Lease is { } lease)
            {
                return lease;
            }
        }

        return null;
    }
}
