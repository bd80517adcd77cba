namespace RhymeFlow.Host.BuiltIn;

/// <summary>What the objects of a clip do over its frames. All objects of a clip share one motion.</summary>
public enum Motion
{
    Left,
    Right,
    Up,
    Down,

    /// <summary>Towards the bottom-right corner, at 45° (image rows grow downwards).</summary>
    Diagonal,

    /// <summary>No movement and no change of size; <see cref="Speed"/> does not apply.</summary>
    Static,

    /// <summary>Horizontal movement that reflects once off the left or right border during the clip.</summary>
    Bouncing,

    Growing,
    Shrinking,
}
