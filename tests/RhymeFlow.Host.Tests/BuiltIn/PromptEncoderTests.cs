using RhymeFlow.Host.BuiltIn;

namespace RhymeFlow.Host.Tests.BuiltIn;

public sealed class PromptEncoderTests
{
    [Fact]
    public void EncodesCaptionsToSixteenBySixtyFourWithPaddingZeroed()
    {
        using var scope = NewDisposeScope();
        using var encoder = new PromptEncoder();
        var embeddings = encoder.Encode(["a red circle moving left quickly", "a blue square and a yellow triangle moving up slowly", ""]);
        Assert.Equal(new long[] { 3, 16, 64 }, embeddings.shape);
        Assert.False(embeddings.isnan().any().item<bool>());
        Assert.True(embeddings[0, ..6].abs().sum().item<float>() > 0);
        Assert.Equal(0f, embeddings[0, 6..].abs().sum().item<float>());
        Assert.Equal(0f, embeddings[2].abs().sum().item<float>());
    }

    [Fact]
    public void PaddingDoesNotChangeTheRealPositions()
    {
        using var scope = NewDisposeScope();
        using var encoder = new PromptEncoder();
        var tokens = WordTokenizer.EncodeBatch(["a green triangle bouncing quickly"]);
        var full = encoder.forward(tokens);
        var trimmed = encoder.forward(tokens[.., ..5]);
        Assert.True(full[.., ..5].allclose(trimmed, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void ParametersHaveCleanCheckpointKeys()
    {
        using var encoder = new PromptEncoder(new PromptEncoderConfig(Layers: 1));
        var keys = encoder.state_dict().Select(p => $"{p.Key} [{string.Join(", ", p.Value.shape)}]").ToArray();
        string[] expected =
        [
            "token_embedding.weight [25, 64]",
            "position_embedding [16, 64]",
            "layers.0.norm1.weight [64]", "layers.0.norm1.bias [64]",
            "layers.0.qkv.weight [192, 64]", "layers.0.qkv.bias [192]",
            "layers.0.proj.weight [64, 64]", "layers.0.proj.bias [64]",
            "layers.0.norm2.weight [64]", "layers.0.norm2.bias [64]",
            "layers.0.ff_in.weight [256, 64]", "layers.0.ff_in.bias [256]",
            "layers.0.ff_out.weight [64, 256]", "layers.0.ff_out.bias [64]",
            "norm.weight [64]", "norm.bias [64]",
        ];
        Assert.Equal(expected.Order(), keys.Order());
    }

    [Fact]
    public void RejectsBadTokenTensorsAndConfigs()
    {
        using var encoder = new PromptEncoder();
        using var tooLong = zeros(1, 17, dtype: ScalarType.Int64);
        using var floats = zeros(1, 4);
        Assert.Contains("[1, 17]", Assert.Throws<ArgumentException>(() => encoder.forward(tooLong)).Message);
        Assert.Contains("Float32", Assert.Throws<ArgumentException>(() => encoder.forward(floats)).Message);
        Assert.Throws<ArgumentException>(() => new PromptEncoder(new PromptEncoderConfig(Width: 60, Heads: 8)));
    }

    [Fact]
    public void EncodingLeavesTheLiveTensorCountFlat()
    {
        using var encoder = new PromptEncoder();
        using (encoder.Encode(["warm up"[..0]]))
        {
        }

        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 5; i++)
        {
            using var embeddings = encoder.Encode(["a red circle moving left quickly", ""]);
        }

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
