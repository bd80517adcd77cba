namespace RhymeFlow.Cluster.Benchmarking;

/// <summary>What <see cref="ClusterBenchmark"/> measures with.</summary>
/// <param name="Clips">Clips per run: captions of a one-row dense study on the built-in model.</param>
/// <param name="LeaseSeconds">The lease of the killed-worker run: how soon a dead worker's job is handed on.</param>
/// <param name="Redis">An existing Redis on this machine, or null to start redis-server on a free loopback port.</param>
/// <param name="WorkerCommand">The program that starts a worker, and the arguments before <c>worker</c> (the CLI's dll under <c>dotnet</c>).</param>
public sealed record ClusterBenchOptions(int Clips, double LeaseSeconds, RedisAddress? Redis, IReadOnlyList<string> WorkerCommand);
