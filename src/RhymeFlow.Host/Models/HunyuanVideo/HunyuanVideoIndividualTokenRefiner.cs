using RhymeFlow.Host.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.HunyuanVideo;

/// <summary>diffusers' <c>HunyuanVideoIndividualTokenRefiner</c> (<c>context_embedder.token_refiner</c>): the refiner blocks and their mask.</summary>
internal sealed class HunyuanVideoIndividualTokenRefiner : nn.Module
{
#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly ModuleList<HunyuanVideoRefinerBlock> refiner_blocks;
#pragma warning restore IDE1006

    public HunyuanVideoIndividualTokenRefiner(HunyuanVideoConfig config, ScalarType dtype, Device device)
        : base(nameof(HunyuanVideoIndividualTokenRefiner))
    {
        refiner_blocks = new ModuleList<HunyuanVideoRefinerBlock>([.. Enumerable.Range(0, config.NumRefinerLayers).Select(_ => new HunyuanVideoRefinerBlock(config, dtype, device))]);
        RegisterComponents();
    }

    /// <summary>Runs the blocks over text [B, L, dim] with the text mask [B, L] (nonzero: valid).</summary>
    public Tensor Forward(Tensor hidden, Tensor temb, Tensor textMask)
    {
        using var scope = NewDisposeScope();
        var mask = PairMask(textMask);
        foreach (var block in refiner_blocks)
        {
            hidden = block.Forward(hidden, temb, mask);
        }

        return hidden.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// [B, 1, L, L]: query i may attend key j when both are valid tokens; key 0 is always allowed, so that a padded
    /// query's row is never empty (diffusers sets that column, whatever token 0 is).
    /// </summary>
    private static Tensor PairMask(Tensor textMask)
    {
        var valid = textMask.ne(Scalars.Zero);
        var length = textMask.shape[1];
        using var stop = length.ToScalar();
        var firstKey = arange(Scalars.Zero, stop, Scalars.One, ScalarType.Int64, textMask.device).eq(Scalars.Zero);
        var pairs = valid.unsqueeze(1).unsqueeze(1).logical_and(valid.unsqueeze(1).unsqueeze(-1));
        return pairs.logical_or(firstKey.view(1, 1, 1, length));
    }
}
