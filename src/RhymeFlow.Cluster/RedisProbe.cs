using StackExchange.Redis;

namespace RhymeFlow.Cluster;

/// <summary>The cluster's Redis cannot be reached: the message names the address and what to check.</summary>
public sealed class ClusterUnreachableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Checks that Redis answers before Orleans is started on it: Orleans retries a missing membership store for a long
/// time, and a command must fail within seconds with the address it tried.
/// </summary>
public static class RedisProbe
{
    /// <summary>Connects and pings within <paramref name="timeout"/>, or throws <see cref="ClusterUnreachableException"/>.</summary>
    public static async Task CheckAsync(RedisAddress address, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(address);
        try
        {
            using var redis = await ConnectionMultiplexer.ConnectAsync(Options(address, timeout)).WaitAsync(timeout + timeout).ConfigureAwait(false);
            await redis.GetDatabase().PingAsync().WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or System.Net.Sockets.SocketException)
        {
            throw new ClusterUnreachableException(
                $"cannot reach the cluster's Redis at {address} within {timeout.TotalSeconds:0.#} s ({e.GetType().Name}: {FirstLine(e.Message)}). Is redis-server running there and reachable from this machine?",
                e);
        }
    }

    /// <summary>Client options that give up after <paramref name="timeout"/> instead of retrying for ever.</summary>
    public static ConfigurationOptions Options(RedisAddress address, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(address);
        var options = ConfigurationOptions.Parse(address.EndPoint);
        options.ConnectTimeout = (int)timeout.TotalMilliseconds;
        options.SyncTimeout = (int)timeout.TotalMilliseconds;
        options.AsyncTimeout = (int)timeout.TotalMilliseconds;
        options.AbortOnConnectFail = true;
        options.ConnectRetry = 1;
        return options;
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
