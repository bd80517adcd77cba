using RhymeFlow.Host.Models.Wan;

namespace RhymeFlow.Host.Tests.Execution;

/// <summary>
/// A plain Wan 2.1 forward (diffusers' <c>WanTransformer3DModel</c>, text-to-video) written for reading, not speed:
/// float32, per-token timesteps, explicit softmax attention, no caches. It uses only the model's parameter tensors
/// (by their diffusers state-dict keys), none of its code.
/// </summary>
/// <remarks>
/// The hook: in every layer's self-attention, the keys and values of the non-keyframe tokens can be replaced by given
/// tensors, and only the keyframe rows are kept at the end. Keys and values are [B, H, tokens, D] after RMSNorm and
/// RoPE, tokens frame-major (frame, row, column), frames ascending.
/// </remarks>
internal sealed class ReferenceWanForward(WanTransformer model)
{
    private readonly Dictionary<string, Tensor> w = model.state_dict();
    private readonly WanConfig c = model.Config;

    /// <summary>The velocity [B, Cout, |keyframes|, H, W] (all frames when <paramref name="keyframes"/> is null).</summary>
    /// <param name="latents">[B, Cin, F, H, W].</param>
    /// <param name="timestep">[B] (or [1]), or per token [B, F'·H'·W'].</param>
    /// <param name="textStates">Text-encoder states [B, L, textDim].</param>
    /// <param name="keyframes">Post-patch frames whose rows are kept and whose own K/V are used; null: all frames.</param>
    /// <param name="substitute">Per layer, K and V [B, H, Lc, D] of the non-keyframe tokens, replacing the computed ones.</param>
    /// <param name="record">Receives, per layer, the computed (pre-substitution) K and V of all tokens, [B, H, L, D].</param>
    public Tensor Forward(Tensor latents, Tensor timestep, Tensor textStates, int[]? keyframes = null,
        Func<int, (Tensor Key, Tensor Value)>? substitute = null, List<(Tensor Key, Tensor Value)>? record = null)
    {
        using var noGrad = no_grad();
        var (pt, ph, pw) = c.PatchSize;
        long b = latents.shape[0], f = latents.shape[2] / pt, h = latents.shape[3] / ph, wd = latents.shape[4] / pw;
        long tokens = f * h * wd, dim = c.InnerDim;

        // Patch embedding: a stride = kernel Conv3d is a Linear over each (C, pt, ph, pw) patch; tokens frame-major.
        var patches = latents.view(b, c.InChannels, f, pt, h, ph, wd, pw).permute(0, 2, 4, 6, 1, 3, 5, 7).reshape(b, tokens, -1);
        var x = nn.functional.linear(patches, w["patch_embedding.weight"].flatten(1), w["patch_embedding.bias"]);

        // Timestep (per token): sinusoid (cos, sin) → MLP → temb [B, T, dim]; SiLU → time_proj → [B, T, 6, dim].
        var t = (timestep.ndim == 1 ? timestep.view(-1, 1).expand(b, tokens) : timestep.expand(b, tokens)).to(ScalarType.Float32);
        var half = c.FreqDim / 2;
        var freqs = (arange(half, dtype: ScalarType.Float32) * (float)-Math.Log(10000.0) / half).exp();
        var angle = t.unsqueeze(-1) * freqs;
        var temb = Linear(Silu(Linear(cat([angle.cos(), angle.sin()], -1), "condition_embedder.time_embedder.linear_1")), "condition_embedder.time_embedder.linear_2");
        var timeProj = Linear(Silu(temb), "condition_embedder.time_proj").unflatten(2, [6, dim]);

        var text = Linear(GeluTanh(Linear(textStates, "condition_embedder.text_embedder.linear_1")), "condition_embedder.text_embedder.linear_2");
        var (cos, sin) = RopeTable(f, h, wd);

        var keep = keyframes ?? [.. Enumerable.Range(0, (int)f)];
        var keepRows = TokensOf(keep, h * wd);
        var replacedRows = TokensOf([.. Enumerable.Range(0, (int)f).Except(keep)], h * wd);

        for (var layer = 0; layer < c.NumLayers; layer++)
        {
            var p = $"blocks.{layer}.";
            var m = w[p + "scale_shift_table"].unsqueeze(0) + timeProj; // [B, T, 6, dim]
            Tensor M(int i) => m.select(2, i);

            // Self-attention with 3-D RoPE; the hook replaces the non-keyframe K/V rows.
            var xs = LayerNorm(x) * (1 + M(1)) + M(0);
            var q = Rope(Heads(RmsNorm(Linear(xs, p + "attn1.to_q"), p + "attn1.norm_q")), cos, sin);
            var k = Rope(Heads(RmsNorm(Linear(xs, p + "attn1.to_k"), p + "attn1.norm_k")), cos, sin);
            var v = Heads(Linear(xs, p + "attn1.to_v"));
            record?.Add((k, v));
            if (substitute is not null)
            {
                var (sk, sv) = substitute(layer);
                k = k.index_copy(2, replacedRows, sk);
                v = v.index_copy(2, replacedRows, sv);
            }

            x = x + Linear(Merge(Attend(q, k, v)), p + "attn1.to_out.0") * M(2);

            // Cross-attention: affine LayerNorm (norm2) on the query side, RMSNorm on q and k, no RoPE, no gate.
            var xc = LayerNorm(x) * w[p + "norm2.weight"] + w[p + "norm2.bias"];
            var cq = Heads(RmsNorm(Linear(xc, p + "attn2.to_q"), p + "attn2.norm_q"));
            var ck = Heads(RmsNorm(Linear(text, p + "attn2.to_k"), p + "attn2.norm_k"));
            var cv = Heads(Linear(text, p + "attn2.to_v"));
            x = x + Linear(Merge(Attend(cq, ck, cv)), p + "attn2.to_out.0");

            // Feed-forward (GELU tanh), modulated and gated.
            var xf = LayerNorm(x) * (1 + M(4)) + M(3);
            x = x + Linear(GeluTanh(Linear(xf, p + "ffn.net.0.proj")), p + "ffn.net.2") * M(5);
        }

        // Keyframe rows only; output norm, modulation (scale_shift_table + temb), projection, unpatchify.
        x = x.index_select(1, keepRows);
        var mo = w["scale_shift_table"].unsqueeze(0) + temb.index_select(1, keepRows).unsqueeze(2); // [B, Tk, 2, dim]
        var outTokens = Linear(LayerNorm(x) * (1 + mo.select(2, 1)) + mo.select(2, 0), "proj_out");
        return outTokens.view(b, keep.Length, h, wd, pt, ph, pw, c.OutChannels).permute(0, 7, 1, 4, 2, 5, 3, 6)
            .reshape(b, c.OutChannels, keep.Length * pt, h * ph, wd * pw);
    }

    /// <summary>Token indices of <paramref name="frames"/> in a frame-major clip.</summary>
    public static Tensor TokensOf(int[] frames, long perFrame) =>
        tensor(frames.SelectMany(fr => Enumerable.Range(0, (int)perFrame).Select(i => fr * perFrame + i)).ToArray());

    private Tensor Linear(Tensor x, string name) => nn.functional.linear(x, w[name + ".weight"], w[name + ".bias"]);

    private Tensor LayerNorm(Tensor x)
    {
        var mean = x.mean([-1], keepdim: true);
        var variance = (x - mean).square().mean([-1], keepdim: true);
        return (x - mean) / (variance + c.Eps).sqrt();
    }

    private Tensor RmsNorm(Tensor x, string name) => x / (x.square().mean([-1], keepdim: true) + c.Eps).sqrt() * w[name + ".weight"];

    private static Tensor Silu(Tensor x) => x * x.sigmoid();

    private static Tensor GeluTanh(Tensor x) => 0.5 * x * (1 + (Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x.pow(3))).tanh());

    /// <summary>[B, L, dim] → [B, H, L, D].</summary>
    private Tensor Heads(Tensor x) => x.view(x.shape[0], x.shape[1], c.NumAttentionHeads, c.AttentionHeadDim).transpose(1, 2);

    private static Tensor Merge(Tensor x) => x.transpose(1, 2).flatten(2);

    private Tensor Attend(Tensor q, Tensor k, Tensor v) =>
        (q.matmul(k.transpose(-2, -1)) / Math.Sqrt(c.AttentionHeadDim)).softmax(-1).matmul(v);

    /// <summary>
    /// cos/sin [T, D/2] of diffusers' WanRotaryPosEmbed: h = w = 2·(D/6) channels for rows/columns, the rest for
    /// frames; pair k of an n-channel axis turns by position · 10000^(-2k/n).
    /// </summary>
    private (Tensor Cos, Tensor Sin) RopeTable(long frames, long height, long width)
    {
        var d = c.AttentionHeadDim;
        var hw = 2 * (d / 6);
        var axes = new[] { d - 2 * hw, hw, hw };
        var (pairs, angles) = (d / 2, new List<double>());
        for (var fr = 0; fr < frames; fr++)
        {
            for (var r = 0; r < height; r++)
            {
                for (var col = 0; col < width; col++)
                {
                    var position = new[] { fr, r, col };
                    for (var axis = 0; axis < 3; axis++)
                    {
                        for (var k = 0; k < axes[axis] / 2; k++)
                        {
                            angles.Add(position[axis] / Math.Pow(10000.0, 2.0 * k / axes[axis]));
                        }
                    }
                }
            }
        }

        var table = tensor(angles.ToArray(), dtype: ScalarType.Float64).view(-1, pairs);
        return (table.cos().to(ScalarType.Float32), table.sin().to(ScalarType.Float32));
    }

    /// <summary>Rotates adjacent channel pairs (x1, x2) → (x1·cos − x2·sin, x1·sin + x2·cos) of x [B, H, T, D].</summary>
    private static Tensor Rope(Tensor x, Tensor cos, Tensor sin)
    {
        var pair = x.unflatten(x.ndim - 1, [-1, 2]);
        var (x1, x2) = (pair.select(-1, 0), pair.select(-1, 1));
        return stack([x1 * cos - x2 * sin, x1 * sin + x2 * cos], -1).flatten(-2);
    }
}
