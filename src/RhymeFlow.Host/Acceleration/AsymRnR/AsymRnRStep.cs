using RhymeFlow.Host.Models;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Acceleration.AsymRnR;

/// <summary>
/// One evaluation's AsymRnR: out = R_Q⁻¹(softmax(R_Q(Q)·R_KV(K)ᵀ)·R_KV(V)), with Q and K/V reduced by their own
/// ratios, K gathered with V's indices, and only Q restored.
/// </summary>
internal sealed class AsymRnRStep(AsymRnRRun run, int step) : ISelfAttentionReduction
{
    public Tensor Attend(
        int layer,
        Tensor query,
        Tensor key,
        Tensor value,
        VideoTokenLayout queryTokens,
        VideoTokenLayout keyValueTokens,
        Func<Tensor, Tensor, Tensor, Tensor> attend)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(attend);
        var setting = run.Setting(step, layer);
        if (setting.IsDense)
        {
            run.Release(layer, setting.ReuseWindowStart);
            return attend(query, key, value);
        }

        CheckLayout(query, queryTokens, nameof(query));
        CheckLayout(value, keyValueTokens, nameof(value));
        using var scope = NewDisposeScope();
        if (setting.KeyValue > 0)
        {
            var match = run.Match(setting.ReuseWindowStart, layer, ReducedSide.KeyValue, keyValueTokens, value);
            var kept = TokenReduction.KeptPositions(match, TokenReduction.KeptSources(match.Count, match.DestinationCount, setting.KeyValue));
            key = TokenReduction.Gather(key, kept);
            value = TokenReduction.Gather(value, kept);
        }

        if (setting.Query == 0)
        {
            return attend(query, key, value).MoveToOuterDisposeScope();
        }

        var queryMatch = run.Match(setting.ReuseWindowStart, layer, ReducedSide.Query, queryTokens, query);
        var keptQueries = TokenReduction.KeptSources(queryMatch.Count, queryMatch.DestinationCount, setting.Query);
        var reduced = attend(TokenReduction.Gather(query, TokenReduction.KeptPositions(queryMatch, keptQueries)), key, value);
        return TokenReduction.Gather(reduced, TokenReduction.RestoreRows(queryMatch, keptQueries)).MoveToOuterDisposeScope();
    }

    private static void CheckLayout(Tensor features, VideoTokenLayout tokens, string name)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (features.ndim != 4 || features.shape[2] != tokens.Count)
        {
            throw new ArgumentException(
                $"{name} must be [B, H, {tokens.Count}, D] for its token layout ({tokens.Frames.Count} frames of {tokens.Height}x{tokens.Width}), got [{string.Join(", ", features.shape)}]",
                name);
        }
    }
}
