using Orleans.Configuration;
using Orleans.TestingHost;
using RhymeFlow.Cluster.Hosting;
using RhymeFlow.Cluster.Workers;
using RhymeFlow.Host.BuiltIn;

namespace RhymeFlow.Cluster.Tests;

/// <summary>
/// An in-process cluster of silos, each with its own worker on its own copy of the tiny model (seed 5), as separate
/// machines would load the same package; disposing stops the silos and frees the models.
/// </summary>
internal sealed class TestCluster : IAsyncDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(3);

    private readonly List<WorkerModel> _models = [];

    private TestCluster(int silos)
    {
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.ConfigureSilo((_, silo) =>
        {
            var model = new WorkerModel(MiniModel.Create(MiniModelConfig.Tiny, seed: 5), "cpu");
            lock (_models)
            {
                _models.Add(model);
            }

            silo.AddRhymeFlowWorker(model, new WorkerOptions(TimeSpan.FromMilliseconds(20)));

            // A call to a killed silo fails sooner than in production, so the kill test spends its time on the lease.
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = CallTimeout);
        });
        builder.ConfigureClient(client => client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = CallTimeout));
        Cluster = builder.Build();
    }

    public InProcessTestCluster Cluster { get; }

    public IClusterClient Client => Cluster.Client;

    public static async Task<TestCluster> StartAsync(int silos)
    {
        var cluster = new TestCluster(silos);
        await cluster.Cluster.DeployAsync();
        return cluster;
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        foreach (var model in _models)
        {
            model.Dispose();
        }
    }
}
