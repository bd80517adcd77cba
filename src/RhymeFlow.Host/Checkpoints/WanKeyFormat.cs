namespace RhymeFlow.Host.Checkpoints;

/// <summary>The two key layouts in which Wan 2.1 transformer weights are published.</summary>
public enum WanKeyFormat
{
    /// <summary>diffusers' <c>WanTransformer3DModel</c>: <c>blocks.N.attn1.to_q</c>, <c>condition_embedder.*</c>, <c>proj_out</c>.</summary>
    Diffusers,

    /// <summary>The original Wan repository: <c>blocks.N.self_attn.q</c>, <c>text_embedding.0</c>, <c>head.head</c>.</summary>
    Original,
}
