namespace RhymeFlow.Host.BuiltIn;

/// <summary>Where an object is in one frame: the centre of its bounding box (pixels, x right, y down) and its half-extent.</summary>
internal readonly record struct Pose(double X, double Y, double HalfExtent);
