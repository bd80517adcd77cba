namespace RhymeFlow.Cluster.Grains;

/// <summary>One job handed to one worker until the lease runs out; the worker renews it while the clip runs.</summary>
[GenerateSerializer, Immutable]
public sealed record JobLease([property: Id(0)] StudySubmission Study, [property: Id(1)] string Key);

/// <summary>A study's answer to a worker asking for work: a lease or none, and whether the study still has work to hand out.</summary>
[GenerateSerializer, Immutable]
public sealed record LeaseAnswer([property: Id(0)] JobLease? Lease, [property: Id(1)] bool Open);
