namespace RhymeFlow.Host.BuiltIn;

/// <summary>A (colour, shape, motion) combination that training never shows, so evaluation tests composition.</summary>
public sealed record HeldOutCombination(ObjectColour Colour, ShapeKind Shape, Motion Motion)
{
    public override string ToString() => $"{Palette.Name(Colour)} {Shape.ToString().ToLowerInvariant()} {Motion.ToString().ToLowerInvariant()}";
}
