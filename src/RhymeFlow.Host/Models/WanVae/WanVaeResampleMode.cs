namespace RhymeFlow.Host.Models.WanVae;

/// <summary>The kinds of diffusers' <c>WanResample</c>.</summary>
internal enum WanVaeResampleMode
{
    /// <summary>2× nearest upsampling of height and width, then a 3×3 convolution to half the channels.</summary>
    Upsample2d,

    /// <summary>As <see cref="Upsample2d"/>, after doubling the frames with a causal temporal convolution (<c>time_conv</c>).</summary>
    Upsample3d,

    /// <summary>A stride-2 3×3 convolution over height and width (padded right and bottom by one).</summary>
    Downsample2d,

    /// <summary>As <see cref="Downsample2d"/>, then a stride-2 causal temporal convolution (<c>time_conv</c>) halving the frames.</summary>
    Downsample3d,
}
