using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.HunyuanVideo;

/// <summary>
/// diffusers' <c>HunyuanVideoRotaryPosEmbed</c> and <c>apply_rotary_emb</c>: 3-D rotary embedding of the video tokens.
/// The head channels split as <c>rope_axes_dim</c> (frame | height | width); on an axis of n channels, pair k turns by
/// position · θ^(-2k/n), and the pair is (x[2k], x[2k+1]) (interleaved, as a complex number).
/// </summary>
internal static class HunyuanVideoRotaryEmbedding
{
    /// <summary>
    /// The rotation table [1, L, 1, D/2] complex64 of the tokens of <paramref name="frames"/> (true latent-frame indices,
    /// in token order) on a <paramref name="height"/> × <paramref name="width"/> token grid, frame-major as the patch
    /// embedding lays tokens out. Angles are computed in float64 and rounded once.
    /// </summary>
    public static Tensor Table(HunyuanVideoConfig config, IReadOnlyList<int> frames, int height, int width, Device device)
    {
        var (axisT, axisH, axisW) = config.RopeAxesDim;
        var half = config.AttentionHeadDim / 2;
        var tokens = frames.Count * height * width;
        var angles = new float[tokens * half];
        var frequencies = new[] { Frequencies(axisT, config.RopeTheta), Frequencies(axisH, config.RopeTheta), Frequencies(axisW, config.RopeTheta) };
        var token = 0;
        foreach (var frame in frames)
        {
            for (var h = 0; h < height; h++)
            {
                for (var w = 0; w < width; w++, token++)
                {
                    var column = token * half;
                    foreach (var (axis, position) in new[] { (0, frame), (1, h), (2, w) })
                    {
                        foreach (var frequency in frequencies[axis])
                        {
                            angles[column++] = (float)(position * frequency);
                        }
                    }
                }
            }
        }

        using var scope = NewDisposeScope();
        var angle = tensor(angles, [1, tokens, 1, half], device: device);
        return polar(ones_like(angle), angle).MoveToOuterDisposeScope();
    }

    /// <summary>Rotates x [B, L, H, D] by a table from <see cref="Table"/>, in float32; the result has x's dtype.</summary>
    public static Tensor Apply(Tensor x, Tensor table)
    {
        using var scope = NewDisposeScope();
        var pairs = view_as_complex(x.to(ScalarType.Float32).unflatten(x.ndim - 1, [-1, 2]));
        return view_as_real(pairs * table).flatten(-2).to(x.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>θ^(-2k/n) for k &lt; n/2.</summary>
    private static double[] Frequencies(int channels, double theta) =>
        [.. Enumerable.Range(0, channels / 2).Select(k => Math.Pow(theta, -2.0 * k / channels))];
}
