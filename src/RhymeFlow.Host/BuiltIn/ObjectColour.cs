namespace RhymeFlow.Host.BuiltIn;

/// <summary>The six object colours of the procedural clips; <see cref="Palette"/> gives their RGB values.</summary>
public enum ObjectColour
{
    Red,
    Green,
    Blue,
    Yellow,
    Magenta,
    Cyan,
}
