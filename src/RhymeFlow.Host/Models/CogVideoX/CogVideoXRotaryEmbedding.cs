using RhymeFlow.Host.Runtime;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.CogVideoX;

/// <summary>
/// The 3-D rotary tables of CogVideoX 1.5, as its pipeline computes them
/// (<c>get_3d_rotary_pos_embed(..., grid_type="slice")</c>): integer positions per axis, theta 10000, the head dim
/// split [d/4 | 3d/8 | 3d/8] over (temporal token, row, column), each cos/sin value filling a channel pair.
/// </summary>
/// <remarks>
/// The tables are computed in float64 and stored as float32; diffusers builds them in float32, which moves a model
/// output by about 3e-8 (fixture README). Rows can be built for any subset of temporal tokens, so a keyframe-only
/// evaluation rotates each token by its true position.
/// </remarks>
internal static class CogVideoXRotaryEmbedding
{
    private const double Theta = 10000.0;

    /// <summary>
    /// Rotary cos and sin tables [tokens, headDim] float32 for the video tokens of <paramref name="temporalTokens"/>
    /// (true temporal token indices, in the order the tokens are laid out), each a grid of
    /// <paramref name="gridHeight"/> × <paramref name="gridWidth"/>; rows in (t, h, w) order.
    /// </summary>
    public static (Tensor Cos, Tensor Sin) Table(int headDim, IReadOnlyList<int> temporalTokens, int gridHeight, int gridWidth, Device device)
    {
        var axes = new[] { headDim / 4, headDim / 8 * 3, headDim / 8 * 3 };
        var tokens = temporalTokens.Count * gridHeight * gridWidth;
        var cos = new float[tokens * headDim];
        var sin = new float[tokens * headDim];
        var row = 0;
        foreach (var t in temporalTokens)
        {
            for (var h = 0; h < gridHeight; h++)
            {
                for (var w = 0; w < gridWidth; w++)
                {
                    var channel = row * headDim;
                    int[] positions = [t, h, w];
                    for (var axis = 0; axis < 3; axis++)
                    {
                        var n = axes[axis];
                        for (var k = 0; k < n / 2; k++)
                        {
                            var angle = positions[axis] * Math.Pow(Theta, -2.0 * k / n);
                            var (c, s) = ((float)Math.Cos(angle), (float)Math.Sin(angle));
                            cos[channel] = cos[channel + 1] = c;
                            sin[channel] = sin[channel + 1] = s;
                            channel += 2;
                        }
                    }

                    row++;
                }
            }
        }

        return (tensor(cos, [tokens, headDim]).to(device), tensor(sin, [tokens, headDim]).to(device));
    }

    /// <summary>
    /// Rotates channel pairs of <paramref name="x"/> [B, H, S, D] by the tables [S, D]:
    /// out[2k] = x[2k] cos − x[2k+1] sin, out[2k+1] = x[2k+1] cos + x[2k] sin; computed in float32 (as diffusers does)
    /// and returned in the dtype of <paramref name="x"/>.
    /// </summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        var full = x.to(ScalarType.Float32);
        var pairs = full.view([.. x.shape[..^1], x.shape[^1] / 2, 2]);
        var real = pairs.select(-1, 0);
        var imaginary = pairs.select(-1, 1);
        var rotated = stack([imaginary.neg(), real], -1).flatten(-2);
        return full.mul(cos).add(rotated.mul(sin), Scalars.One).to(x.dtype).MoveToOuterDisposeScope();
    }
}
