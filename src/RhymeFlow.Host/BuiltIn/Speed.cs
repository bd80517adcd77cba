namespace RhymeFlow.Host.BuiltIn;

/// <summary>
/// How fast a motion runs: 0.6 or 1.4 px/frame for movement, 0.12 or 0.25 px/frame of half-extent for
/// growing and shrinking (see <see cref="ClipGenerator"/>).
/// </summary>
public enum Speed
{
    Slow,
    Fast,
}
