using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Wan;

/// <summary>
/// Lets one evaluation skip its block stack, or all of it but block 0, by adding a residual cached from an earlier
/// step (TeaCache, first-block cache). The model hands over the hidden states around the stack, so implementations
/// need no part of the model. Returned tensors belong to the caller's dispose scope; implementations keep their own
/// copies of whatever must outlive the call.
/// </summary>
public interface IBlockStackCache
{
    /// <summary>Before block 0: the hidden states after the stack when every block can be skipped, else null.</summary>
    /// <param name="hidden">The patch-embedded hidden states [B, L, dim] (model dtype).</param>
    /// <param name="timeProjection">Each row's time projection e0 [B, 6, dim]: the modulated input TeaCache watches.</param>
    Tensor? BeforeBlocks(Tensor hidden, Tensor timeProjection);

    /// <summary>After block 0: the hidden states after the stack when the remaining blocks can be skipped, else null.</summary>
    /// <param name="before">Block 0's input [B, L, dim].</param>
    /// <param name="afterFirst">Block 0's output [B, L, dim].</param>
    Tensor? AfterFirstBlock(Tensor before, Tensor afterFirst);

    /// <summary>Every block has run: the cache may refresh its residuals.</summary>
    /// <param name="before">Block 0's input.</param>
    /// <param name="afterFirst">Block 0's output.</param>
    /// <param name="after">The last block's output.</param>
    void AfterBlocks(Tensor before, Tensor afterFirst, Tensor after);
}
