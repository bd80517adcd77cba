using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Tests.TestSupport;

namespace RhymeFlow.Host.Tests.Checkpoints;

public sealed class WanKeysTests
{
    private static readonly string Diffusers = Fixtures.WanDiffusers("wan-tiny.weights.safetensors");
    private static readonly string Original = Fixtures.WanDiffusers("wan-tiny.original-keys.safetensors");

    [Fact]
    public void DetectsBothFixtureFormats()
    {
        using var diffusers = CheckpointReader.Open(Diffusers);
        using var original = CheckpointReader.Open(Original);

        Assert.Equal(WanKeyFormat.Diffusers, WanKeys.Detect(diffusers.Keys));
        Assert.Equal(WanKeyFormat.Original, WanKeys.Detect(original.Keys));
    }

    [Fact]
    public void BothFormatsGiveIdenticalKeysAndBitwiseIdenticalTensors()
    {
        using var diffusers = CheckpointReader.Open(Diffusers);
        using var original = CheckpointReader.Open(Original);
        var renamed = original.Keys.ToDictionary(WanKeys.ToDiffusers, k => k);

        Assert.Equal(diffusers.Keys.Order(StringComparer.Ordinal), renamed.Keys.Order(StringComparer.Ordinal));
        foreach (var key in diffusers.Keys)
        {
            using var expected = diffusers.Read(key);
            using var actual = original.Read(renamed[key]);
            Assert.Equal(expected.shape, actual.shape);
            Assert.True(expected.bytes.SequenceEqual(actual.bytes), $"'{key}' differs from '{renamed[key]}'");
        }
    }

    [Theory]
    [InlineData("blocks.3.self_attn.q.weight", "blocks.3.attn1.to_q.weight")]
    [InlineData("blocks.3.self_attn.o.bias", "blocks.3.attn1.to_out.0.bias")]
    [InlineData("blocks.3.self_attn.norm_k.weight", "blocks.3.attn1.norm_k.weight")]
    [InlineData("blocks.12.cross_attn.v.weight", "blocks.12.attn2.to_v.weight")]
    [InlineData("blocks.0.cross_attn.k_img.weight", "blocks.0.attn2.add_k_proj.weight")]
    [InlineData("blocks.0.cross_attn.v_img.bias", "blocks.0.attn2.add_v_proj.bias")]
    [InlineData("blocks.0.cross_attn.norm_k_img.weight", "blocks.0.attn2.norm_added_k.weight")]
    [InlineData("blocks.0.norm3.weight", "blocks.0.norm2.weight")]
    [InlineData("blocks.0.norm2.weight", "blocks.0.norm3.weight")]
    [InlineData("blocks.0.ffn.0.weight", "blocks.0.ffn.net.0.proj.weight")]
    [InlineData("blocks.0.ffn.2.bias", "blocks.0.ffn.net.2.bias")]
    [InlineData("blocks.7.modulation", "blocks.7.scale_shift_table")]
    [InlineData("text_embedding.0.weight", "condition_embedder.text_embedder.linear_1.weight")]
    [InlineData("time_embedding.2.bias", "condition_embedder.time_embedder.linear_2.bias")]
    [InlineData("time_projection.1.weight", "condition_embedder.time_proj.weight")]
    [InlineData("head.head.weight", "proj_out.weight")]
    [InlineData("head.modulation", "scale_shift_table")]
    [InlineData("img_emb.proj.1.weight", "condition_embedder.image_embedder.ff.net.0.proj.weight")]
    [InlineData("img_emb.emb_pos", "condition_embedder.image_embedder.pos_embed")]
    [InlineData("patch_embedding.weight", "patch_embedding.weight")]
    public void RenamesOriginalKeys(string original, string diffusers) => Assert.Equal(diffusers, WanKeys.ToDiffusers(original));

    [Fact]
    public void UnknownOrMixedKeySetsAreClearErrors()
    {
        var neither = Assert.Throws<CheckpointException>(() => WanKeys.Detect(["encoder.conv1.weight", "decoder.conv1.weight"]));
        Assert.Contains("neither", neither.Message);
        Assert.Contains("encoder.conv1.weight", neither.Message);

        var mixed = Assert.Throws<CheckpointException>(() => WanKeys.Detect(["blocks.0.self_attn.q.weight", "blocks.0.attn1.to_q.weight"]));
        Assert.Contains("mix", mixed.Message);
    }

    [Fact]
    public void SummaryListsTensorsAndFormat()
    {
        var summary = CheckpointSummary.Inspect(Original);

        Assert.Equal(WanKeyFormat.Original, summary.WanFormat);
        Assert.Equal(69, summary.Tensors.Count);
        Assert.Equal(149952, summary.TotalBytes);
        Assert.Contains("head.head.weight\tF32\t[16, 32]\t2048", summary.ToText());
    }
}
