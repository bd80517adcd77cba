using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace RhymeFlow.Cluster.Hosting;

/// <summary>A client of the cluster: what <c>rhymeflow study --cluster</c> submits and waits through.</summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    private readonly IHost _host;

    private ClusterConnection(IHost host)
    {
        _host = host;
        Client = host.Services.GetRequiredService<IClusterClient>();
    }

    public IClusterClient Client { get; }

    /// <summary>Connects within <paramref name="timeout"/>, or throws <see cref="ClusterUnreachableException"/> naming the address.</summary>
    public static async Task<ClusterConnection> ConnectAsync(RedisAddress redis, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(redis);
        await RedisProbe.CheckAsync(redis, ClusterNames.RedisTimeout).ConfigureAwait(false);
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.UseRedisClustering(o => o.ConfigurationOptions = RedisProbe.Options(redis, ClusterNames.RedisTimeout));
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (ClusterNames.Id, ClusterNames.Id));
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = ClusterNames.ResponseTimeout);
        });
        var host = builder.Build();
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        try
        {
            await host.StartAsync(bounded.Token).ConfigureAwait(false);
            return new ClusterConnection(host);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not ClusterUnreachableException)
        {
            host.Dispose();
            throw new ClusterUnreachableException(
                $"no worker of the cluster at {redis} answered within {timeout.TotalSeconds:0.#} s ({e.GetType().Name}: {e.Message.Split('\n', 2)[0]}). Start one first: rhymeflow worker --cluster {redis}",
                e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var stopping = new CancellationTokenSource(ClusterNames.RedisTimeout);
        try
        {
            await _host.StopAsync(stopping.Token).ConfigureAwait(false);
        }
        finally
        {
            _host.Dispose();
        }
    }
}
