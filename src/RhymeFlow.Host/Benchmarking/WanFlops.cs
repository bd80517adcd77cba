using RhymeFlow.Core;
using RhymeFlow.Host.Models.Wan;

namespace RhymeFlow.Host.Benchmarking;

/// <summary>
/// Analytic FLOPs of one Wan evaluation: 2·m·n·k per matmul, attention (QKᵀ and PV) included; elementwise work,
/// norms, RoPE and the timestep MLP are not counted. The per-layer part is the formula of RhymeFlow.Core's
/// <c>Cost</c> module, which <see cref="CoreDenseFlops"/> cross-checks.
/// </summary>
public static class WanFlops
{
    /// <summary>Tokens of one batch row that an evaluation works on.</summary>
    /// <param name="Queries">Tokens computed (queries of self- and cross-attention, FFN rows).</param>
    /// <param name="FreshKeyValues">Tokens whose self-attention K/V are projected in this evaluation.</param>
    /// <param name="Keys">Tokens attended over by self-attention (fresh plus recorded context).</param>
    /// <param name="TextProjected">Whether the text embedding and the per-layer text K/V are computed in the call.</param>
    public sealed record Work(double Queries, double FreshKeyValues, double Keys, bool TextProjected);

    /// <summary>FLOPs of one call over <paramref name="batch"/> rows, text length <paramref name="textTokens"/>.</summary>
    public static double Evaluate(WanConfig config, int batch, int textTokens, Work work)
    {
        double d = config.InnerDim, text = textTokens;
        var (q, fresh, keys) = (work.Queries, work.FreshKeyValues, work.Keys);
        var self = 2 * q * d * d * 2 + 2 * fresh * d * d * 2 + 4 * q * keys * d;
        var cross = 2 * q * d * d * 2 + (work.TextProjected ? 2 * text * d * d * 2 : 0) + 4 * q * text * d;
        var ffn = 2 * q * d * config.FfnDim * 2;
        var patch = config.PatchSize;
        var embed = 2 * q * (config.InChannels * patch.T * patch.H * patch.W) * d;
        var head = 2 * q * d * config.PatchOutDim;
        var textEmbedding = work.TextProjected ? 2 * text * (config.TextDim * d + d * d) : 0;
        return batch * (config.NumLayers * (self + cross + ffn) + embed + head + textEmbedding);
    }

    /// <summary>
    /// RhymeFlow.Core's FLOPs for one dense evaluation (all tokens, text K/V projected, blocks only), from the cost
    /// of a one-step dense plan. Equals <see cref="Evaluate"/> without patch embedding, head and text embedding.
    /// </summary>
    public static double CoreDenseFlops(WanConfig config, int batch, int frames, int tokensPerFrame, int textTokens)
    {
        var geometry = new Geometry(
            config.NumLayers, config.InnerDim, config.NumAttentionHeads, config.FfnDim, tokensPerFrame, frames, textTokens, batch, 2);
        return Schedules.Dense(steps: 1).Compile(frames).Cost(geometry).DenseFlops;
    }

    /// <summary>The blocks-only part of <see cref="Evaluate"/> for a dense evaluation, to compare with <see cref="CoreDenseFlops"/>.</summary>
    public static double DenseBlockFlops(WanConfig config, int batch, int tokens, int textTokens)
    {
        var patch = config.PatchSize;
        double d = config.InnerDim, q = tokens, text = textTokens;
        var extras = 2 * q * (config.InChannels * patch.T * patch.H * patch.W) * d + 2 * q * d * config.PatchOutDim + 2 * text * (config.TextDim * d + d * d);
        return Evaluate(config, batch, textTokens, new Work(q, q, q, TextProjected: true)) - batch * extras;
    }
}
