namespace RhymeFlow.Cluster.Tests;

/// <summary>Cluster tests run one at a time: each runs several silos or processes, and they share torch's threads.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection
{
    public const string Name = "cluster";
}
