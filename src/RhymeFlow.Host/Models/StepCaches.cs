using RhymeFlow.Host.Models.Wan;

namespace RhymeFlow.Host.Models;

/// <summary>What families without a block-stack cache hook say when handed one.</summary>
internal static class StepCaches
{
    /// <exception cref="NotSupportedException"><paramref name="stepCache"/> is not null.</exception>
    public static void Refuse(string familyName, IBlockStackCache? stepCache)
    {
        if (stepCache is not null)
        {
            throw new NotSupportedException($"Step caches (TeaCache, first-block cache) run on Wan only; {familyName} does not take them.");
        }
    }
}
