namespace RhymeFlow.Host.BuiltIn;

/// <summary>The object shapes of the procedural clips. Each fills a square bounding box of side twice its half-extent.</summary>
public enum ShapeKind
{
    /// <summary>Fills about π/4 ≈ 0.785 of its bounding box.</summary>
    Circle,

    /// <summary>Fills its whole bounding box.</summary>
    Square,

    /// <summary>An upright isosceles triangle (apex up, base at the bottom); fills half its bounding box.</summary>
    Triangle,
}
