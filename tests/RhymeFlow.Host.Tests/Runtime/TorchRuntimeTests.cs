using RhymeFlow.Host.Runtime;

namespace RhymeFlow.Host.Tests.Runtime;

public sealed class TorchRuntimeTests
{
    [Fact]
    public void TorchSharpLoadsAndComputes()
    {
        TorchRuntime.EnsureInitialized();
        using var a = ones(3, 4);
        using var b = ones(4, 5);
        using var product = a.matmul(b);
        Assert.Equal(4f, product[2, 3].item<float>());
    }

    [Fact]
    public void ScaledDotProductAttentionRuns()
    {
        TorchRuntime.EnsureInitialized();
        using var q = randn(1, 2, 8, 16);
        using var output = nn.functional.scaled_dot_product_attention(q, q, q);
        Assert.Equal(new long[] { 1, 2, 8, 16 }, output.shape);
        Assert.False(output.isnan().any().item<bool>());
    }
}
