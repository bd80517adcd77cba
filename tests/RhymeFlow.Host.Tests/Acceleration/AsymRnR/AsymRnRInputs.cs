using RhymeFlow.Host.Models;

namespace RhymeFlow.Host.Tests.Acceleration.AsymRnR;

/// <summary>Token layouts and seeded features shared by the AsymRnR tests.</summary>
internal static class AsymRnRInputs
{
    public static VideoTokenLayout Grid(int frames, int height, int width) =>
        new([.. Enumerable.Range(0, frames)], height, width);

    /// <summary>Seeded standard-normal features [B, H, N, D] in float32.</summary>
    public static Tensor Features(long batch, long heads, long tokens, long dim, long seed)
    {
        using var generator = new Generator((ulong)seed);
        return randn([batch, heads, tokens, dim], generator: generator);
    }

    public static Tensor Sdpa(Tensor query, Tensor key, Tensor value) =>
        nn.functional.scaled_dot_product_attention(query, key, value);

    /// <summary>Same shape, dtype and every element bit for bit (what torch.equal checks).</summary>
    public static bool BitEqual(Tensor actual, Tensor expected)
    {
        if (!actual.shape.SequenceEqual(expected.shape) || actual.dtype != expected.dtype)
        {
            return false;
        }

        using var equal = actual.eq(expected).all();
        return equal.item<bool>();
    }

    public static long[] Values(Tensor indices) => indices.contiguous().data<long>().ToArray();
}
