namespace RhymeFlow.Host.Models.Wan;

/// <summary>What a full forward records about the frames that a later active-frames forward will not compute.</summary>
public enum WanContextKind
{
    /// <summary>
    /// Per layer, the self-attention keys and values of those frames after RMSNorm and RoPE, on the model's device.
    /// An active forward then costs about (active frames / all frames) of a full one. Largest, fastest.
    /// </summary>
    KeyValue,

    /// <summary>
    /// Per layer, the block input hidden states of those frames (half the size of <see cref="KeyValue"/>), plus their
    /// timestep conditioning; every active forward recomputes norm1, modulation, k/v projections, RMSNorm and RoPE.
    /// </summary>
    Hidden,

    /// <summary>As <see cref="Hidden"/>, but the hidden states live in host memory (pinned where CUDA is present) and are copied to the device per layer.</summary>
    HiddenOnHost,
}
