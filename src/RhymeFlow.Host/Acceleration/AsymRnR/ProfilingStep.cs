using RhymeFlow.Host.Models;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Acceleration.AsymRnR;

/// <summary>
/// One evaluation under a <see cref="RedundancyProfiler"/>: records each block's query, key and value redundancy and
/// then attends densely, so the profiled run is the dense run.
/// </summary>
internal sealed class ProfilingStep(RedundancyProfiler profiler, int step) : ISelfAttentionReduction
{
    public Tensor Attend(
        int layer,
        Tensor query,
        Tensor key,
        Tensor value,
        VideoTokenLayout queryTokens,
        VideoTokenLayout keyValueTokens,
        Func<Tensor, Tensor, Tensor, Tensor> attend)
    {
        ArgumentNullException.ThrowIfNull(attend);
        profiler.Record(step, layer, query, key, value, queryTokens, keyValueTokens);
        return attend(query, key, value);
    }
}
