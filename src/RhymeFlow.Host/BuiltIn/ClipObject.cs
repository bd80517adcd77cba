namespace RhymeFlow.Host.BuiltIn;

/// <summary>One object of a procedural clip: what it looks like. Where it starts and how big it is come from the clip's seed.</summary>
public sealed record ClipObject(ObjectColour Colour, ShapeKind Shape)
{
    /// <summary>The caption phrase, e.g. "red circle".</summary>
    public override string ToString() => $"{Palette.Name(Colour)} {Shape.ToString().ToLowerInvariant()}";
}
