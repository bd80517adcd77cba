using System.Diagnostics.CodeAnalysis;

namespace RhymeFlow.Host.BuiltIn;

/// <summary>
/// The caption grammar of the procedural clips, both ways:
/// <c>a COLOUR SHAPE [and a COLOUR SHAPE] MOTION [SPEED]</c>, where MOTION is "moving left|right|up|down|diagonally",
/// "staying still", "bouncing", "growing" or "shrinking", and SPEED is "slowly" or "quickly"
/// (never after "staying still").
/// </summary>
/// <remarks>
/// <see cref="Render"/> always writes the speed; <see cref="Parse"/> also accepts a caption without one and reads it
/// as <see cref="Speed.Slow"/>. Parsing is case-insensitive and ignores a final full stop and extra spaces.
/// </remarks>
public static class Caption
{
    private static readonly string[] Directions = ["left", "right", "up", "down", "diagonally"];

    /// <summary>The caption of a spec, e.g. "a blue square and a yellow triangle moving up slowly".</summary>
    public static string Render(ClipSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var objects = string.Join(" and ", spec.Objects.Select(o => $"a {o}"));
        return spec.Motion == Motion.Static
            ? $"{objects} staying still"
            : $"{objects} {MotionPhrase(spec.Motion)} {(spec.Speed == Speed.Fast ? "quickly" : "slowly")}";
    }

    /// <summary>The spec a caption describes, with the given seed.</summary>
    /// <exception cref="FormatException">The caption does not follow the grammar; the message names the word and what was expected.</exception>
    public static ClipSpec Parse(string caption, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(caption);
        return TryParse(caption, seed, out var spec, out var error) ? spec : throw new FormatException(error);
    }

    /// <summary>Like <see cref="Parse"/>, without throwing.</summary>
    public static bool TryParse(string caption, long seed, [NotNullWhen(true)] out ClipSpec? spec) =>
        TryParse(caption, seed, out spec, out _);

    private static bool TryParse(string caption, long seed, [NotNullWhen(true)] out ClipSpec? spec, out string error)
    {
        spec = null;
        var words = (caption ?? string.Empty).Trim().TrimEnd('.').ToLowerInvariant()
            .Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var reader = new WordReader(caption ?? string.Empty, words);

        if (!reader.TryObject(out var first, out error))
        {
            return false;
        }

        ClipObject? second = null;
        if (reader.Peek() == "and")
        {
            reader.Take();
            if (!reader.TryObject(out second, out error))
            {
                return false;
            }

            if (second.Colour == first.Colour)
            {
                error = $"Caption '{caption}': both objects are {Palette.Name(first.Colour)}; expected two different colours.";
                return false;
            }
        }

        Motion motion;
        var word = reader.Take();
        switch (word)
        {
            case "moving":
                var direction = reader.Take();
                var index = Array.IndexOf(Directions, direction);
                if (index < 0)
                {
                    error = reader.Expected("a direction after 'moving'", Directions, direction);
                    return false;
                }

                motion = (Motion)index;
                break;
            case "staying":
                var still = reader.Take();
                if (still != "still")
                {
                    error = reader.Expected("'still' after 'staying'", ["still"], still);
                    return false;
                }

                motion = Motion.Static;
                break;
            case "bouncing": motion = Motion.Bouncing; break;
            case "growing": motion = Motion.Growing; break;
            case "shrinking": motion = Motion.Shrinking; break;
            default:
                error = reader.Expected("'and' or a motion", ["and", "moving", "staying", "bouncing", "growing", "shrinking"], word);
                return false;
        }

        var speed = Speed.Slow;
        if (motion != Motion.Static && reader.Peek() is "slowly" or "quickly")
        {
            speed = reader.Take() == "quickly" ? Speed.Fast : Speed.Slow;
        }

        if (reader.Peek() is { } extra)
        {
            error = reader.Expected("the end of the caption", [], extra);
            return false;
        }

        spec = new ClipSpec(first, second, motion, speed, seed);
        error = string.Empty;
        return true;
    }

    private static string MotionPhrase(Motion motion) => motion switch
    {
        Motion.Left or Motion.Right or Motion.Up or Motion.Down or Motion.Diagonal => $"moving {Directions[(int)motion]}",
        Motion.Static => "staying still",
        Motion.Bouncing => "bouncing",
        Motion.Growing => "growing",
        Motion.Shrinking => "shrinking",
        _ => throw new ArgumentOutOfRangeException(nameof(motion), motion, "Not a motion."),
    };

    private sealed class WordReader(string caption, string[] words)
    {
        private static readonly string[] ShapeWords = Enum.GetValues<ShapeKind>().Select(s => s.ToString().ToLowerInvariant()).ToArray();
        private static readonly string[] ColourWords = Palette.Colours.Select(Palette.Name).ToArray();
        private int _position;

        public string? Peek() => _position < words.Length ? words[_position] : null;

        public string? Take() => _position < words.Length ? words[_position++] : null;

        public bool TryObject([NotNullWhen(true)] out ClipObject? value, out string error)
        {
            value = null;
            var article = Take();
            if (article != "a")
            {
                error = Expected("the article 'a' before an object", ["a"], article);
                return false;
            }

            var colourWord = Take();
            var colour = Array.IndexOf(ColourWords, colourWord);
            if (colour < 0)
            {
                error = Expected("a colour", ColourWords, colourWord);
                return false;
            }

            var shapeWord = Take();
            var shape = Array.IndexOf(ShapeWords, shapeWord);
            if (shape < 0)
            {
                error = Expected("a shape", ShapeWords, shapeWord);
                return false;
            }

            value = new ClipObject((ObjectColour)colour, (ShapeKind)shape);
            error = string.Empty;
            return true;
        }

        public string Expected(string what, string[] options, string? found)
        {
            var position = found is null ? "at the end" : $"at word {_position} ('{found}')";
            var choices = options.Length > 1 ? $" ({string.Join(", ", options)})" : string.Empty;
            return $"Caption '{caption}': expected {what}{choices} {position}.";
        }
    }
}
