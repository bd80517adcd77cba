using RhymeFlow.Host.BuiltIn;

namespace RhymeFlow.Host.Evaluation;

/// <summary>An object the evaluator found in a clip, and what it made of it.</summary>
/// <param name="Colour">Nearest palette entry to the mean colour of the object's solid pixels.</param>
/// <param name="Shape">From <paramref name="FillRatio"/>.</param>
/// <param name="Motion">The recognised motion, or null when the object moved in a way the grammar has no word for (e.g. up-left).</param>
/// <param name="Speed">Slow or fast; <see cref="Speed.Slow"/> for a static object.</param>
/// <param name="FillRatio">Median over frames of area / bounding-box area.</param>
/// <param name="MeanArea">Mean alpha-weighted area in pixels over the frames where the object was found.</param>
/// <param name="FramesPresent">Frames in which the object was found.</param>
/// <param name="DisplacementX">Net centroid displacement first to last frame, pixels (x right).</param>
/// <param name="DisplacementY">Net centroid displacement, pixels (y down).</param>
/// <param name="PathLength">Summed frame-to-frame centroid movement, pixels.</param>
/// <param name="HalfExtentChange">Fitted change of half-extent over the clip, pixels (positive when growing).</param>
public sealed record DetectedObject(
    ObjectColour Colour,
    ShapeKind Shape,
    Motion? Motion,
    Speed Speed,
    double FillRatio,
    double MeanArea,
    int FramesPresent,
    double DisplacementX,
    double DisplacementY,
    double PathLength,
    double HalfExtentChange);
