using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using RhymeFlow.Cluster.Workers;

namespace RhymeFlow.Cluster.Hosting;

/// <summary>A worker silo: Orleans with Redis membership, the study grains, and a <see cref="JobWorker"/> on one model.</summary>
public static class WorkerSilo
{
    /// <summary>Adds the grains' services and the worker that pulls jobs for <paramref name="model"/> to a silo.</summary>
    public static ISiloBuilder AddRhymeFlowWorker(this ISiloBuilder silo, WorkerModel model, WorkerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(model);
        silo.Services.AddSingleton(model);
        silo.Services.AddSingleton(options ?? WorkerOptions.Default);
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.Services.AddHostedService<JobWorker>();
        silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = ClusterNames.ResponseTimeout);
        return silo;
    }

    /// <summary>
    /// Starts a worker silo on the cluster whose membership lives in <paramref name="redis"/>; it runs until the host stops.
    /// </summary>
    /// <param name="redis">The cluster's Redis.</param>
    /// <param name="model">The worker's model, owned by the caller.</param>
    /// <param name="advertise">The address other silos reach this one at; by default 127.0.0.1 for a loopback Redis, else this machine's first network address.</param>
    /// <param name="cancellationToken">Stops the start.</param>
    /// <exception cref="ClusterUnreachableException">Redis did not answer within a few seconds.</exception>
    public static async Task<IHost> StartAsync(RedisAddress redis, WorkerModel model, IPAddress? advertise, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(redis);
        await RedisProbe.CheckAsync(redis, ClusterNames.RedisTimeout).ConfigureAwait(false);
        var address = advertise ?? (redis.IsLoopback ? IPAddress.Loopback : MachineAddress());
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("RhymeFlow", LogLevel.Information);
        builder.UseOrleans(silo =>
        {
            silo.UseRedisClustering(o => o.ConfigurationOptions = RedisProbe.Options(redis, ClusterNames.RedisTimeout));
            silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (ClusterNames.Id, ClusterNames.Id));

            // A killed worker stays "active" in the membership table until a live silo votes it dead, and a joining
            // silo must reach every active one whose I-am-alive row is recent. With Orleans' defaults (a row every
            // 5 min, 2 may be missed) a worker started after the last one was killed waited up to 10 min and gave up
            // after 5; with a row every 5 s, a killed worker stops blocking joins after 10 s.
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.IAmAliveTablePublishTimeout = ClusterNames.IAmAlivePeriod;
                o.NumMissedTableIAmAliveLimit = 2;
            });
            silo.ConfigureEndpoints(address, FreePort.Next(), FreePort.Next(), listenOnAnyHostAddress: !IPAddress.IsLoopback(address));
            silo.AddRhymeFlowWorker(model);
        });
        var host = builder.Build();
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        return host;
    }


    private static IPAddress MachineAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
        ?? throw new InvalidOperationException("This machine has no network address for other silos to reach; pass --advertise IP.");
}
