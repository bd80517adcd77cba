namespace RhymeFlow.Cluster.Hosting;

/// <summary>What every silo and client of a RhymeFlow cluster shares besides its Redis address.</summary>
internal static class ClusterNames
{
    /// <summary>Orleans' cluster and service id: one Redis serves one RhymeFlow cluster.</summary>
    public const string Id = "rhymeflow";

    /// <summary>How long Redis may take to answer before a command gives up with a clear error.</summary>
    public static readonly TimeSpan RedisTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a grain call waits for its answer. Calls carry keys and counts and answer in milliseconds; a call to a
    /// silo that just died should fail soon, so that the caller retries on a live one.
    /// </summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How often a worker writes its I-am-alive row to Redis: a killed worker stops blocking joins after two.</summary>
    public static readonly TimeSpan IAmAlivePeriod = TimeSpan.FromSeconds(5);
}
