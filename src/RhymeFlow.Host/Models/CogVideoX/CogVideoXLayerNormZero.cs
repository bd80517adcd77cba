using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.CogVideoX;

/// <summary>
/// diffusers' <c>CogVideoXLayerNormZero</c>: one LayerNorm shared by the video and the text tokens, each side
/// modulated by its own (shift, scale) from <c>linear(silu(temb))</c>, which also gives each side's residual gate.
/// </summary>
/// <remarks>Kept in float32 whatever the model dtype: the modulation is where half precision hurts most.</remarks>
internal sealed class CogVideoXLayerNormZero : nn.Module
{
#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly Linear linear;
    private readonly LayerNorm norm;
#pragma warning restore IDE1006

    public CogVideoXLayerNormZero(int conditioningDim, int dim, double eps, Device device)
        : base(nameof(CogVideoXLayerNormZero))
    {
        linear = nn.Linear(conditioningDim, 6 * dim, device: device, dtype: ScalarType.Float32);
        norm = nn.LayerNorm(dim, eps, device: device, dtype: ScalarType.Float32);
        RegisterComponents();
    }

    /// <summary>
    /// The modulated video [B, N, dim] and text [B, L, dim] tokens and their gates [B, 1, dim], all float32.
    /// </summary>
    /// <param name="video">Video tokens [B, N, dim], float32.</param>
    /// <param name="text">Text tokens [B, L, dim], float32.</param>
    /// <param name="timeEmbedding">The timestep embedding [B, timeEmbedDim], float32.</param>
    public (Tensor Video, Tensor Text, Tensor VideoGate, Tensor TextGate) Modulate(Tensor video, Tensor text, Tensor timeEmbedding)
    {
        using var scope = NewDisposeScope();

        // diffusers' chunk order: shift, scale, gate for the video, then the same three for the text.
        var chunks = linear.forward(nn.functional.silu(timeEmbedding)).unsqueeze(1).chunk(6, -1);
        var normedVideo = Modulated(norm.forward(video), chunks[0], chunks[1]);
        var normedText = Modulated(norm.forward(text), chunks[3], chunks[4]);
        return (normedVideo.MoveToOuterDisposeScope(), normedText.MoveToOuterDisposeScope(), chunks[2].MoveToOuterDisposeScope(), chunks[5].MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The modulated video tokens [B, N, dim] float32 alone, as <see cref="Modulate"/> computes them: what a recorded
    /// hidden-state context is turned back into before the key/value projections.
    /// </summary>
    public Tensor ModulateVideo(Tensor video, Tensor timeEmbedding)
    {
        using var scope = NewDisposeScope();
        var chunks = linear.forward(nn.functional.silu(timeEmbedding)).unsqueeze(1).chunk(6, -1);
        return Modulated(norm.forward(video), chunks[0], chunks[1]).MoveToOuterDisposeScope();
    }

    /// <summary>norm(x) · (1 + scale) + shift, as diffusers orders the operations.</summary>
    internal static Tensor Modulated(Tensor normed, Tensor shift, Tensor scale)
    {
        using var onePlusScale = scale.add(Runtime.Scalars.One, Runtime.Scalars.One);
        return normed.mul(onePlusScale).add(shift, Runtime.Scalars.One);
    }
}
