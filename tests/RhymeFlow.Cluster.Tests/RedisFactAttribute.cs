using RhymeFlow.Cluster.Hosting;

namespace RhymeFlow.Cluster.Tests;

/// <summary>
/// A test that needs a real Redis: the one .ci/run starts (RHYMEFLOW_TEST_REDIS=redis://HOST:PORT), else a
/// redis-server the test starts itself; skipped, saying why, only when neither is there.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RedisFactAttribute : FactAttribute
{
    public const string Variable = "RHYMEFLOW_TEST_REDIS";

    public RedisFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(Variable) is null && !LocalRedis.IsInstalled)
        {
            Skip = $"redis-server is not installed and {Variable} is not set: install it (apt-get install -y redis-server), or run .ci/run, which installs and starts it.";
        }
    }
}
