using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.HunyuanVideo;

/// <summary>
/// diffusers' <c>HunyuanVideoIndividualTokenRefinerBlock</c>: pre-norm (affine LayerNorm) self-attention over the text
/// and a SiLU feed-forward, each added with a gate from temb (<c>norm_out</c>).
/// </summary>
internal sealed class HunyuanVideoRefinerBlock : nn.Module
{
    private readonly ScalarType dtype;

#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly LayerNorm norm1;
    private readonly HunyuanVideoAttention attn;
    private readonly LayerNorm norm2;
    private readonly HunyuanVideoSiluFeedForward ff;
    private readonly HunyuanVideoModulation norm_out;
#pragma warning restore IDE1006

    public HunyuanVideoRefinerBlock(HunyuanVideoConfig config, ScalarType dtype, Device device)
        : base(nameof(HunyuanVideoRefinerBlock))
    {
        this.dtype = dtype;
        var dim = config.InnerDim;
        norm1 = nn.LayerNorm(dim, HunyuanVideoConfig.Eps, elementwise_affine: true, device: device, dtype: ScalarType.Float32);
        attn = HunyuanVideoAttention.Refiner(config, dtype, device);
        norm2 = nn.LayerNorm(dim, HunyuanVideoConfig.Eps, elementwise_affine: true, device: device, dtype: ScalarType.Float32);
        ff = new HunyuanVideoSiluFeedForward(dim, config.MlpDim, dtype, device);
        norm_out = new HunyuanVideoModulation(dim, 2, device);
        RegisterComponents();
    }

    /// <summary>Refines text [B, L, dim] conditioned on temb [B, dim]; <paramref name="mask"/> is [B, 1, L, L] boolean.</summary>
    public Tensor Forward(Tensor hidden, Tensor temb, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var gates = norm_out.Forward(temb);
        var (query, key, value) = attn.Project(norm1.forward(hidden.to(ScalarType.Float32)).to(dtype));
        var attended = attn.ProjectOut(HunyuanVideoAttention.Attend(query.transpose(1, 2), key.transpose(1, 2), value.transpose(1, 2), mask));
        hidden = HunyuanVideoNorms.GatedAdd(hidden, attended, gates[0], dtype);
        var fed = ff.forward(norm2.forward(hidden.to(ScalarType.Float32)).to(dtype));
        return HunyuanVideoNorms.GatedAdd(hidden, fed, gates[1], dtype).MoveToOuterDisposeScope();
    }
}
