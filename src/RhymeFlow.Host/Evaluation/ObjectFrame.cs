namespace RhymeFlow.Host.Evaluation;

/// <summary>One object's measurements in one frame (pixels; alpha-weighted).</summary>
/// <param name="Frame">Frame index.</param>
/// <param name="X">Alpha-weighted centroid, pixels from the left edge.</param>
/// <param name="Y">Alpha-weighted centroid, pixels from the top edge.</param>
/// <param name="Area">Sum of alpha over the object's pixels.</param>
/// <param name="Width">Soft width: the sum over columns of the largest alpha in the column.</param>
/// <param name="Height">Soft height: the sum over rows of the largest alpha in the row.</param>
/// <param name="R">Mean colour of the solid pixels, [0,1].</param>
/// <param name="G">As R.</param>
/// <param name="B">As R.</param>
internal readonly record struct ObjectFrame(int Frame, double X, double Y, double Area, double Width, double Height, float R, float G, float B)
{
    /// <summary>How much of its bounding box the object fills: about 1 for a square, π/4 for a circle, 1/2 for a triangle.</summary>
    public double FillRatio => Width * Height > 0 ? Area / (Width * Height) : 0;

    /// <summary>Half the side of the square with the bounding box's area.</summary>
    public double HalfExtent => Math.Sqrt(Width * Height) / 2;
}
