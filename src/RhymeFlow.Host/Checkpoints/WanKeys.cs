namespace RhymeFlow.Host.Checkpoints;

/// <summary>
/// Detects the Wan key format of a checkpoint and renames original keys to diffusers keys, following
/// diffusers' <c>scripts/convert_wan_to_diffusers.py</c> (T2V, and the I2V/FLF2V image keys).
/// </summary>
/// <remarks>
/// The script renames by substring replacement; this works on whole dot-separated segments instead, so
/// that e.g. <c>self_attn.k</c> cannot match inside <c>self_attn.k_img</c>.
/// </remarks>
public static class WanKeys
{
    // Whole-prefix renames of top-level modules (original -> diffusers).
    private static readonly (string Original, string Diffusers)[] PrefixRenames =
    [
        ("text_embedding.0", "condition_embedder.text_embedder.linear_1"),
        ("text_embedding.2", "condition_embedder.text_embedder.linear_2"),
        ("time_embedding.0", "condition_embedder.time_embedder.linear_1"),
        ("time_embedding.2", "condition_embedder.time_embedder.linear_2"),
        ("time_projection.1", "condition_embedder.time_proj"),
        ("head.head", "proj_out"),
        ("head.modulation", "scale_shift_table"),
        ("img_emb.proj.0", "condition_embedder.image_embedder.norm1"),
        ("img_emb.proj.1", "condition_embedder.image_embedder.ff.net.0.proj"),
        ("img_emb.proj.3", "condition_embedder.image_embedder.ff.net.2"),
        ("img_emb.proj.4", "condition_embedder.image_embedder.norm2"),
        ("img_emb.emb_pos", "condition_embedder.image_embedder.pos_embed"),
    ];

    // Renames inside blocks.N. (original -> diffusers). The original calls its norms norm1, norm3, norm2.
    private static readonly (string Original, string Diffusers)[] BlockRenames =
    [
        ("self_attn", "attn1"),
        ("cross_attn", "attn2"),
        ("norm2", "norm3"),
        ("norm3", "norm2"),
        ("ffn.0", "ffn.net.0.proj"),
        ("ffn.2", "ffn.net.2"),
        ("modulation", "scale_shift_table"),
    ];

    // Renames of the projection inside self_attn / cross_attn.
    private static readonly Dictionary<string, string> AttentionRenames = new(StringComparer.Ordinal)
    {
        ["q"] = "to_q",
        ["k"] = "to_k",
        ["v"] = "to_v",
        ["o"] = "to_out.0",
        ["norm_q"] = "norm_q",
        ["norm_k"] = "norm_k",
        ["k_img"] = "add_k_proj",
        ["v_img"] = "add_v_proj",
        ["norm_k_img"] = "norm_added_k",
    };

    private static readonly string[] OriginalMarkers = ["text_embedding.", "time_embedding.", "time_projection.", "head.head.", ".self_attn.", ".cross_attn.", ".ffn.0.", "img_emb."];
    private static readonly string[] DiffusersMarkers = ["condition_embedder.", "proj_out.", ".attn1.", ".attn2.", ".ffn.net.", "scale_shift_table"];

    /// <summary>Tells the format of a Wan transformer checkpoint from its keys.</summary>
    /// <exception cref="CheckpointException">The keys match neither format, or both.</exception>
    public static WanKeyFormat Detect(IEnumerable<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var list = keys.ToList();
        var original = list.Where(k => OriginalMarkers.Any(m => Contains(k, m))).ToList();
        var diffusers = list.Where(k => DiffusersMarkers.Any(m => Contains(k, m))).ToList();
        return (original.Count, diffusers.Count) switch
        {
            ( > 0, 0) => WanKeyFormat.Original,
            (0, > 0) => WanKeyFormat.Diffusers,
            (0, 0) => throw new CheckpointException(
                $"The {list.Count} checkpoint keys are neither in the diffusers Wan format (condition_embedder.*, blocks.N.attn1.*, proj_out.*) nor the original one (text_embedding.*, blocks.N.self_attn.*, head.head.*); first keys: {string.Join(", ", list.Take(5))}."),
            _ => throw new CheckpointException(
                $"The checkpoint keys mix both Wan formats: original keys such as '{original[0]}' and diffusers keys such as '{diffusers[0]}'."),
        };
    }

    /// <summary>The renaming that turns keys of <paramref name="format"/> into diffusers keys.</summary>
    public static Func<string, string> ToDiffusersRenamer(WanKeyFormat format) => format switch
    {
        WanKeyFormat.Diffusers => key => key,
        WanKeyFormat.Original => ToDiffusers,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    /// <summary>Renames one original-format key to its diffusers name; keys it does not know are returned unchanged.</summary>
    public static string ToDiffusers(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        foreach (var (from, to) in PrefixRenames)
        {
            if (TryReplacePrefix(key, from, to, out var renamed))
            {
                return renamed;
            }
        }

        var parts = key.Split('.');
        if (parts.Length < 3 || parts[0] != "blocks" || !int.TryParse(parts[1], out _))
        {
            return key;
        }

        var prefix = $"blocks.{parts[1]}.";
        var rest = string.Join('.', parts.Skip(2));
        foreach (var (from, to) in BlockRenames)
        {
            if (TryReplacePrefix(rest, from, to, out var renamed))
            {
                return prefix + (to is "attn1" or "attn2" ? RenameAttention(renamed, to) : renamed);
            }
        }

        return key;
    }

    private static string RenameAttention(string rest, string attention)
    {
        // rest is "attn1.<projection>.<parameter...>"
        var parts = rest.Split('.');
        return parts.Length >= 2 && AttentionRenames.TryGetValue(parts[1], out var projection)
            ? string.Join('.', new[] { attention, projection }.Concat(parts.Skip(2)))
            : rest;
    }

    private static bool TryReplacePrefix(string key, string from, string to, out string renamed)
    {
        if (key == from || key.StartsWith(from + ".", StringComparison.Ordinal))
        {
            renamed = to + key[from.Length..];
            return true;
        }

        renamed = key;
        return false;
    }

    private static bool Contains(string key, string marker) =>
        marker.StartsWith('.') ? key.Contains(marker, StringComparison.Ordinal) : key.StartsWith(marker, StringComparison.Ordinal) || key == marker.TrimEnd('.');
}
