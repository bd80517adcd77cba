using RhymeFlow.Host.Models;

namespace RhymeFlow.Host.Tests.Models;

/// <summary>The reduction seam of a self-attention that also holds text tokens.</summary>
public sealed class JointSelfAttentionTests
{
    [Fact]
    public void TheTextOutputOutlivesTheReductionsScopeAndNothingLeaks()
    {
        using var query = ones(1, 2, 8, 4);
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        foreach (var reduction in new ISelfAttentionReduction[] { new ScopedReduction(), new PassThroughReduction() })
        {
            using (NewDisposeScope())
            {
                var site = new SelfAttentionSite(reduction, 3, Layout, Layout);
                var (video, text) = JointSelfAttention.Attend(query, query, query, site, (q, k, v) => (q.add(k, One), cat([v, v], 2)));
                Assert.Equal([1L, 2, 8, 4], video.shape);
                Assert.Equal([1L, 2, 16, 4], text.shape);
                Assert.Equal(2.0f, video.max().item<float>());
                Assert.Equal(1.0f, text.min().item<float>());
            }

            GC.Collect();
            GC.WaitForPendingFinalizers();
            Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        }
    }

    [Fact]
    public void AReductionThatNeverAttendsIsNamed()
    {
        using var query = ones(1, 2, 8, 4);
        var site = new SelfAttentionSite(new SkippingReduction(), 3, Layout, Layout);
        var error = Assert.Throws<InvalidOperationException>(() => JointSelfAttention.Attend(query, query, query, site, (q, k, v) => (q.alias(), v.alias())));
        Assert.Contains(nameof(SkippingReduction), error.Message, StringComparison.Ordinal);
        Assert.Contains("block 3", error.Message, StringComparison.Ordinal);
    }

    private static readonly Scalar One = 1.0;

    private static VideoTokenLayout Layout { get; } = new([0, 1], 2, 2);

    /// <summary>Attends inside a dispose scope of its own, as AsymRnR does when it reduces.</summary>
    private sealed class ScopedReduction : ISelfAttentionReduction
    {
        public Tensor Attend(int layer, Tensor query, Tensor key, Tensor value, VideoTokenLayout queryTokens, VideoTokenLayout keyValueTokens, Func<Tensor, Tensor, Tensor, Tensor> attend)
        {
            using var scope = NewDisposeScope();
            return attend(query, key, value).MoveToOuterDisposeScope();
        }
    }

    /// <summary>Attends in the caller's scope, as a dense setting and the profiler do.</summary>
    private sealed class PassThroughReduction : ISelfAttentionReduction
    {
        public Tensor Attend(int layer, Tensor query, Tensor key, Tensor value, VideoTokenLayout queryTokens, VideoTokenLayout keyValueTokens, Func<Tensor, Tensor, Tensor, Tensor> attend) =>
            attend(query, key, value);
    }

    private sealed class SkippingReduction : ISelfAttentionReduction
    {
        public Tensor Attend(int layer, Tensor query, Tensor key, Tensor value, VideoTokenLayout queryTokens, VideoTokenLayout keyValueTokens, Func<Tensor, Tensor, Tensor, Tensor> attend) =>
            query.alias();
    }
}
