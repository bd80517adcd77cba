using RhymeFlow.Host.Models;
using RhymeFlow.Host.Models.HunyuanVideo;

namespace RhymeFlow.Host.Tests.Models.HunyuanVideo;

/// <summary>The joint attention with a reduction of its video tokens, against a plain gather/attend/scatter reference.</summary>
public sealed class HunyuanVideoJointAttentionTests
{
    private const int Batch = 2;
    private const int TextTokens = 9;
    private static readonly int[] ActiveFrames = [2, 0];
    private static readonly int[] ContextFrames = [1];

    [Fact]
    public void AReducedKeyframeAttentionKeepsTheTextAndItsMaskAndMatchesAPlainReference()
    {
        var config = HunyuanVideoConfig.FromJson(HunyuanVideoTiny.ConfigPath);
        var (heads, headDim) = ((long)config.NumAttentionHeads, (long)config.AttentionHeadDim);
        using var scope = NewDisposeScope();
        var activeTokens = ActiveFrames.Length * 16L;
        var contextTokens = ContextFrames.Length * 16L;
        using var generator = new Generator(11);
        Tensor Random(params long[] shape) => randn(shape, generator: generator);
        var video = (Query: Random(Batch, activeTokens, heads, headDim), Key: Random(Batch, activeTokens, heads, headDim), Value: Random(Batch, activeTokens, heads, headDim));
        var text = (Query: Random(Batch, TextTokens, heads, headDim), Key: Random(Batch, TextTokens, heads, headDim), Value: Random(Batch, TextTokens, heads, headDim));
        var (extraKey, extraValue) = (Random(Batch, heads, contextTokens, headDim), Random(Batch, heads, contextTokens, headDim));
        var rope = HunyuanVideoRotaryEmbedding.Table(config, ActiveFrames, 4, 4, CPU);

        // Row 0 has 6 valid text tokens, row 1 all 9: the padded keys of row 0 must stay out of every attention.
        var textMask = tensor(new[] { 6, 9 }.SelectMany(valid => Enumerable.Range(0, TextTokens).Select(t => t < valid)).ToArray()).view(Batch, 1, 1, TextTokens);
        var keyMask = cat([ones([Batch, 1, 1, activeTokens + contextTokens], ScalarType.Bool), textMask], 3);

        var probe = new RecordingReduction(new EveryOtherQueryReduction());
        var site = new SelfAttentionSite(probe, 0, new VideoTokenLayout(ActiveFrames, 4, 4), new VideoTokenLayout([.. ActiveFrames, .. ContextFrames], 4, 4));
        var inputs = new HunyuanVideoLayerInputs(zeros(1), rope, keyMask, extraKey, extraValue, SelfAttention: site);
        var (videoOut, textOut) = HunyuanVideoJointAttention.Attend(video, text, inputs);

        // The reduction saw the video tokens alone: the keyframes as queries, they and the context as keys/values.
        var call = Assert.Single(probe.Calls);
        Assert.Equal((activeTokens, activeTokens + contextTokens), (call.QueryRows, call.KeyValueRows));
        Assert.Equal(("2,0/4x4", "2,0,1/4x4"), (call.Queries.Key, call.KeyValues.Key));
        Assert.Equal((activeTokens / 2, (activeTokens + contextTokens) * 2 / 3), (call.AttendedQueries, call.AttendedKeyValues));

        // The plain reference: rotate, gather the kept video tokens, attend with every text token under the mask, scatter.
        var keptQueries = tensor(EveryOtherQueryReduction.KeptQueries(activeTokens));
        var keptKeyValues = tensor(EveryOtherQueryReduction.KeptKeyValues(activeTokens + contextTokens));
        var restore = tensor(EveryOtherQueryReduction.RestoreRows(activeTokens));
        var query = HunyuanVideoRotaryEmbedding.Apply(video.Query, rope).transpose(1, 2).index_select(2, keptQueries);
        var key = cat([HunyuanVideoRotaryEmbedding.Apply(video.Key, rope).transpose(1, 2), extraKey], 2).index_select(2, keptKeyValues);
        var value = cat([video.Value.transpose(1, 2), extraValue], 2).index_select(2, keptKeyValues);
        var mask = cat([ones([Batch, 1, 1, key.shape[2]], ScalarType.Bool), textMask], 3);
        var attended = PlainAttention.Attend(
            cat([query, text.Query.transpose(1, 2)], 2), cat([key, text.Key.transpose(1, 2)], 2), cat([value, text.Value.transpose(1, 2)], 2), mask);
        var expectedVideo = attended.narrow(2, 0, query.shape[2]).index_select(2, restore).transpose(1, 2).flatten(2);
        var expectedText = attended.narrow(2, query.shape[2], TextTokens).transpose(1, 2).flatten(2);

        Assert.Equal(expectedVideo.shape, videoOut.shape);
        Assert.Equal(expectedText.shape, textOut.shape);
        Assert.True(HunyuanVideoTiny.RelativeError(videoOut, expectedVideo) < 1e-5);
        Assert.True(HunyuanVideoTiny.RelativeError(textOut, expectedText) < 1e-5);
    }
}
