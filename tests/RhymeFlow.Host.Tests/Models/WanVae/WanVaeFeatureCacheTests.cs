using RhymeFlow.Host.Models.WanVae;

namespace RhymeFlow.Host.Tests.Models.WanVae;

public sealed class WanVaeFeatureCacheTests
{
    [Fact]
    public void OwnsStoredFramesUntilReplacedOrDisposed()
    {
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var cache = new WanVaeFeatureCache();
        using (var scope = NewDisposeScope())
        {
            cache.BeginChunk();
            var slot = cache.Take();
            Assert.True(cache.IsEmpty(slot));
            cache.Store(slot, ones([1, 2, 2, 1, 1]));
            var other = cache.Take();
            cache.MarkRepeat(other);
            Assert.True(cache.IsRepeat(other));
            Assert.Null(cache.Frames(other));
        }

        // The scope has ended; the cache still holds one tensor, and it is usable.
        Assert.Equal(before + 1, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        using (var sum = cache.Frames(0)!.sum())
        {
            Assert.Equal(4.0f, sum.item<float>());
        }

        using (var scope = NewDisposeScope())
        {
            cache.BeginChunk();
            cache.Store(cache.Take(), zeros([1, 2, 2, 1, 1]));
            cache.Store(cache.Take(), zeros([1, 2, 1, 1, 1]));
        }

        // Replaced frames were released at once: two slots, two tensors.
        Assert.Equal(before + 2, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        cache.Dispose();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void AChunkMustUseEverySlot()
    {
        using var cache = new WanVaeFeatureCache();
        cache.BeginChunk();
        cache.Take();
        cache.Take();
        cache.BeginChunk();
        cache.Take();
        Assert.Throws<InvalidOperationException>(cache.BeginChunk);
    }

    [Fact]
    public void LastFramesIsAtMostTheFramesThereAre()
    {
        using var scope = NewDisposeScope();
        var x = arange(5f).view(1, 1, 5, 1, 1);
        Assert.Equal([3f, 4f], WanVaeFeatureCache.LastFrames(x, 2).flatten().data<float>().ToArray());
        Assert.Equal([0f], WanVaeFeatureCache.LastFrames(x.narrow(2, 0, 1), 2).flatten().data<float>().ToArray());
    }
}
