using Orleans.Runtime;

namespace RhymeFlow.Cluster.Grains;

/// <summary>A study's job queue (see <see cref="IStudyGrain"/>). Leases that ran out go back to the front of the queue.</summary>
internal sealed class StudyGrain(ILocalSiloDetails silo, TimeProvider clock) : Grain, IStudyGrain
{
    private readonly LinkedList<string> _pending = new();
    private readonly Dictionary<string, (string Worker, DateTimeOffset Expires)> _leases = [];
    private readonly Dictionary<string, bool> _finished = [];
    private readonly Dictionary<string, WorkerTally> _workers = [];
    private StudySubmission? _submission;
    private int _total;
    private int _failed;
    private int _requeued;
    private int _duplicates;

    public Task<StudyProgress> Submit(StudySubmission submission, IReadOnlyList<string> jobs, IReadOnlyList<string> pending)
    {
        ArgumentNullException.ThrowIfNull(submission);
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(pending);
        if (_submission is null)
        {
            _submission = submission;
            _total = jobs.Count;
            var waiting = pending.ToHashSet(StringComparer.Ordinal);
            foreach (var key in jobs)
            {
                if (waiting.Contains(key))
                {
                    _pending.AddLast(key);
                }
                else
                {
                    _finished[key] = false;
                }
            }
        }

        return Task.FromResult(Snapshot());
    }

    public Task<StudySubmission?> Submission() => Task.FromResult(_submission);

    public Task<LeaseAnswer> Lease(string worker, string model, string device)
    {
        if (_submission is null)
        {
            return Task.FromResult(new LeaseAnswer(null, Open: false));
        }

        Reclaim();
        var fits = model == _submission.Model && (_submission.Device == "any" || _submission.Device == device);
        if (!fits || _pending.First is not { } first)
        {
            return Task.FromResult(new LeaseAnswer(null, Open: _pending.Count + _leases.Count > 0));
        }

        _pending.RemoveFirst();
        _leases[first.Value] = (worker, clock.GetUtcNow() + TimeSpan.FromSeconds(_submission.LeaseSeconds));
        Tally(worker, running: +1);
        return Task.FromResult(new LeaseAnswer(new JobLease(_submission, first.Value), Open: true));
    }

    public Task<bool> Renew(string worker, string key)
    {
        // A lease past its time is gone, even if no one has asked for work since.
        Reclaim();
        if (_submission is null || !_leases.TryGetValue(key, out var lease) || lease.Worker != worker)
        {
            return Task.FromResult(false);
        }

        _leases[key] = (worker, clock.GetUtcNow() + TimeSpan.FromSeconds(_submission.LeaseSeconds));
        return Task.FromResult(true);
    }

    public Task Complete(string worker, string key, bool failed)
    {
        if (_submission is null)
        {
            return Task.CompletedTask;
        }

        if (_leases.Remove(key, out var lease))
        {
            Tally(lease.Worker, running: -1);
        }

        // A job whose lease ran out may have gone back to the queue while its first worker finished it.
        _pending.Remove(key);
        if (!_finished.TryAdd(key, failed))
        {
            _duplicates++;
            return Task.CompletedTask;
        }

        _failed += failed ? 1 : 0;
        Tally(worker, done: failed ? 0 : 1, failed: failed ? 1 : 0);
        return Task.CompletedTask;
    }

    public Task<StudyProgress?> Progress()
    {
        if (_submission is null)
        {
            return Task.FromResult<StudyProgress?>(null);
        }

        Reclaim();
        return Task.FromResult<StudyProgress?>(Snapshot());
    }

    /// <summary>Leases past their time go back to the front of the queue: their worker died or stalled.</summary>
    private void Reclaim()
    {
        if (_submission is null)
        {
            return;
        }

        var now = clock.GetUtcNow();
        foreach (var (key, lease) in _leases.Where(l => l.Value.Expires <= now).ToArray())
        {
            _leases.Remove(key);
            Tally(lease.Worker, running: -1);
            _pending.AddFirst(key);
            _requeued++;
        }
    }

    private void Tally(string worker, int done = 0, int failed = 0, int running = 0)
    {
        var tally = _workers.GetValueOrDefault(worker) ?? new WorkerTally(worker, 0, 0, 0);
        _workers[worker] = tally with { Done = tally.Done + done, Failed = tally.Failed + failed, Running = tally.Running + running };
    }

    private StudyProgress Snapshot() => new(
        _total,
        _finished.Count,
        _failed,
        _leases.Count,
        _pending.Count,
        _requeued,
        _duplicates,
        silo.SiloAddress.ToString(),
        [.. _workers.Values.OrderBy(w => w.Worker, StringComparer.Ordinal)]);
}
