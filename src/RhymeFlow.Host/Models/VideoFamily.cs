namespace RhymeFlow.Host.Models;

/// <summary>The video transformer families the engine knows.</summary>
public enum VideoFamily
{
    /// <summary>Wan 2.1 (diffusers' <c>WanTransformer3DModel</c>, or the original Wan config).</summary>
    Wan,

    /// <summary>CogVideoX-1.5 (diffusers' <c>CogVideoXTransformer3DModel</c>).</summary>
    CogVideoX,

    /// <summary>HunyuanVideo (diffusers' <c>HunyuanVideoTransformer3DModel</c>).</summary>
    HunyuanVideo,
}
