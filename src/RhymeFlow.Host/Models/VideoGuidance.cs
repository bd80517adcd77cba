namespace RhymeFlow.Host.Models;

/// <summary>How a video transformer is guided.</summary>
public enum VideoGuidance
{
    /// <summary>Classifier-free guidance as one batch: the prompt rows, then the negative-prompt rows, combined as v_u + g·(v_c − v_u).</summary>
    ClassifierFree,

    /// <summary>The guidance scale is a model input (HunyuanVideo's guidance embedding): one pass, no unconditional branch.</summary>
    Embedded,
}
