namespace RhymeFlow.Host.BuiltIn;

/// <summary>The words of the caption grammar and their token ids. Id 0 is padding.</summary>
/// <remarks>The order is part of the trained model: append new words at the end, never reorder.</remarks>
public static class Vocabulary
{
    public const int PadId = 0;
    public const string PadToken = "<pad>";

    /// <summary>Every token, indexed by id.</summary>
    public static IReadOnlyList<string> Words { get; } =
    [
        PadToken,
        "a", "and",
        "red", "green", "blue", "yellow", "magenta", "cyan",
        "circle", "square", "triangle",
        "moving", "left", "right", "up", "down", "diagonally",
        "staying", "still", "bouncing", "growing", "shrinking",
        "slowly", "quickly",
    ];

    private static readonly Dictionary<string, int> Ids = Words.Select((word, id) => (word, id)).ToDictionary(p => p.word, p => p.id, StringComparer.Ordinal);

    public static int Size => Words.Count;

    /// <summary>The id of a lower-case word, or false when the grammar does not use it.</summary>
    public static bool TryGetId(string word, out int id) => Ids.TryGetValue(word, out id) && id != PadId;
}
