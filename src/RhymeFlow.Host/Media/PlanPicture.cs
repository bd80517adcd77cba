using RhymeFlow.Core;

namespace RhymeFlow.Host.Media;

/// <summary>
/// A picture of a plan for people: frames down, steps across, one filled cell per frame and step, coloured by what
/// happens to the frame there (computed in a full evaluation, computed in a keyframe-only one, projected, idle),
/// with frame and step numbers, keyframe rows marked and a legend. The picture form of <c>PlanView.Render()</c>.
/// </summary>
public static class PlanPicture
{
    internal static readonly Rgb Background = new(255, 255, 255);
    internal static readonly Rgb Ink = new(31, 41, 55);
    internal static readonly Rgb Faint = new(107, 114, 128);
    internal static readonly Rgb Full = new(37, 99, 235);
    internal static readonly Rgb Active = new(234, 88, 12);
    internal static readonly Rgb Projected = new(147, 197, 253);
    internal static readonly Rgb Idle = new(229, 231, 235);
    internal static readonly Rgb KeyframeMark = new(194, 65, 12);

    private const int Margin = 16;
    private const int TextScale = 2;
    private const int MaxGridWidth = 1200;

    /// <summary>The picture of <paramref name="plan"/>.</summary>
    public static RgbImage Render(PlanView plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var layout = Layout.Of(plan);
        var image = new RgbImage(layout.Width, layout.Height);
        Fill(image, 0, 0, layout.Width, layout.Height, Background);

        PixelFont.Draw(image, Margin, Margin, layout.Title, TextScale, Ink);
        DrawRuler(image, layout);
        DrawRows(image, plan, layout);
        DrawLegend(image, layout);
        return image;
    }

    /// <summary>Writes the picture of <paramref name="plan"/> to <paramref name="path"/> as a PNG, atomically.</summary>
    public static void Write(string path, PlanView plan) => PngWriter.Write(path, Render(plan));

    /// <summary>The colour of a cell of <c>PlanView.Grid</c>: F, A, P or anything else (idle).</summary>
    internal static Rgb ColourOf(char cell) => cell switch
    {
        'F' => Full,
        'A' => Active,
        'P' => Projected,
        _ => Idle,
    };

    private static void DrawRuler(RgbImage image, Layout layout)
    {
        var captionWidth = PixelFont.Width("STEP", layout.LabelScale);
        PixelFont.Draw(image, layout.GridLeft - layout.MarkWidth - captionWidth, layout.RulerTop, "STEP", layout.LabelScale, Faint);
        for (var step = 0; step < layout.Steps; step += layout.StepLabelEvery)
        {
            var text = step.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var centre = layout.CellLeft(step) + (layout.Cell / 2);
            var x = Math.Clamp(centre - (PixelFont.Width(text, layout.LabelScale) / 2), layout.GridLeft, layout.Width - Margin);
            PixelFont.Draw(image, x, layout.RulerTop, text, layout.LabelScale, Ink);
            Fill(image, centre, layout.GridTop - 4, 1, 3, Faint);
        }
    }

    private static void DrawRows(RgbImage image, PlanView plan, Layout layout)
    {
        var grid = plan.Grid;
        var keyframes = new HashSet<int>(plan.Keyframes);
        for (var frame = 0; frame < layout.Frames; frame++)
        {
            var top = layout.CellTop(frame);
            var row = grid[frame];
            for (var step = 0; step < layout.Steps; step++)
            {
                Fill(image, layout.CellLeft(step), top, layout.Cell, layout.Cell, ColourOf(step < row.Length ? row[step] : '.'));
            }

            var isKeyframe = keyframes.Contains(frame);
            if (isKeyframe)
            {
                DrawMarker(image, layout.GridLeft - layout.MarkWidth + 1, top, layout.Cell, KeyframeMark);
            }

            if (isKeyframe || frame % layout.FrameLabelEvery == 0)
            {
                var text = frame.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var textHeight = PixelFont.GlyphHeight * layout.LabelScale;
                var x = layout.GridLeft - layout.MarkWidth - 4 - PixelFont.Width(text, layout.LabelScale);
                var y = top + ((layout.Cell - textHeight) / 2);
                PixelFont.Draw(image, x, y, text, layout.LabelScale, isKeyframe ? KeyframeMark : Ink);
            }
        }
    }

    private static void DrawLegend(RgbImage image, Layout layout)
    {
        var x = Margin;
        var size = PixelFont.GlyphHeight * TextScale;
        foreach (var (label, colour, marker) in Layout.LegendEntries)
        {
            if (marker)
            {
                DrawMarker(image, x, layout.LegendTop, size, colour);
            }
            else
            {
                Fill(image, x, layout.LegendTop, size, size, colour);
            }

            x += size + 6;
            PixelFont.Draw(image, x, layout.LegendTop, label, TextScale, Ink);
            x += PixelFont.Width(label, TextScale) + 20;
        }
    }

    /// <summary>A right-pointing triangle in a box of <paramref name="size"/> pixels high.</summary>
    private static void DrawMarker(RgbImage image, int left, int top, int size, Rgb colour)
    {
        var half = Math.Max(1, size / 2);
        for (var dy = 0; dy < size; dy++)
        {
            var reach = half - Math.Abs(dy - half) + 1;
            Fill(image, left, top + dy, Math.Min(reach, half), 1, colour);
        }
    }

    private static void Fill(RgbImage image, int left, int top, int width, int height, Rgb colour)
    {
        var x0 = Math.Max(0, left);
        var y0 = Math.Max(0, top);
        var x1 = Math.Min(image.Width, left + width);
        var y1 = Math.Min(image.Height, top + height);
        for (var y = y0; y < y1; y++)
        {
            for (var x = x0; x < x1; x++)
            {
                image.SetPixel(x, y, colour.R, colour.G, colour.B);
            }
        }
    }

    /// <summary>An opaque colour.</summary>
    internal readonly record struct Rgb(byte R, byte G, byte B);

    /// <summary>Where everything goes: the grid's pitch and origin, label spacing and the picture's size.</summary>
    internal sealed record Layout(
        int Frames,
        int Steps,
        int Pitch,
        int Cell,
        int GridLeft,
        int GridTop,
        int RulerTop,
        int LegendTop,
        int LabelScale,
        int FrameLabelEvery,
        int StepLabelEvery,
        int MarkWidth,
        string Title,
        int Width,
        int Height)
    {
        internal static readonly (string Label, Rgb Colour, bool Marker)[] LegendEntries =
        [
            ("FULL", Full, false),
            ("KEYFRAME-ONLY", Active, false),
            ("PROJECTED", Projected, false),
            ("IDLE", Idle, false),
            ("KEYFRAME", KeyframeMark, true),
        ];

        private static readonly int[] Spacings = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

        public int CellLeft(int step) => GridLeft + (step * Pitch);

        public int CellTop(int frame) => GridTop + (frame * Pitch);

        public static Layout Of(PlanView plan)
        {
            var frames = plan.Frames;
            var steps = plan.Steps;
            var pitch = Math.Clamp(MaxGridWidth / Math.Max(1, steps), 4, 18);
            var cell = pitch - (pitch >= 10 ? 2 : 1);
            var labelScale = pitch >= 16 ? 2 : 1;
            var labelHeight = PixelFont.GlyphHeight * labelScale;
            var frameEvery = Spacings.First(s => s * pitch >= labelHeight + 6);
            var widestStep = PixelFont.Width((steps - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), labelScale);
            var stepEvery = Spacings.First(s => s * pitch >= widestStep + (6 * labelScale) && (s >= 5 || steps <= 20 || s * pitch >= 40));
            var markWidth = Math.Max(6, (cell / 2) + 4);
            var widestFrame = PixelFont.Width((frames - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), labelScale);
            var labelColumn = Math.Max(PixelFont.Width("STEP", labelScale), widestFrame + 4) + markWidth;

            var title = $"{frames} FRAMES X {steps} STEPS: {plan.FullCount} FULL + {plan.ActiveCount} KEYFRAME-ONLY EVALUATIONS";
            var gridLeft = Margin + labelColumn;
            var rulerTop = Margin + (PixelFont.GlyphHeight * TextScale) + 14;
            var gridTop = rulerTop + labelHeight + 6;
            var legendTop = gridTop + (frames * pitch) + 18;
            var height = legendTop + (PixelFont.GlyphHeight * TextScale) + Margin;

            var legendWidth = LegendEntries.Sum(e => (PixelFont.GlyphHeight * TextScale) + 6 + PixelFont.Width(e.Label, TextScale) + 20) - 20;
            var width = Math.Max(gridLeft + (steps * pitch), Margin + Math.Max(legendWidth, PixelFont.Width(title, TextScale))) + Margin;
            return new Layout(frames, steps, pitch, cell, gridLeft, gridTop, rulerTop, legendTop, labelScale, frameEvery, stepEvery, markWidth, title, width, height);
        }
    }

    /// <summary>A 5 × 7 pixel font: digits, capital letters and a little punctuation; other characters draw as blanks.</summary>
    internal static class PixelFont
    {
        public const int GlyphWidth = 5;
        public const int GlyphHeight = 7;

        private static readonly Dictionary<char, string[]> Glyphs = new()
        {
            ['0'] = ["01110", "10001", "10011", "10101", "11001", "10001", "01110"],
            ['1'] = ["00100", "01100", "00100", "00100", "00100", "00100", "01110"],
            ['2'] = ["01110", "10001", "00001", "00010", "00100", "01000", "11111"],
            ['3'] = ["11111", "00010", "00100", "00010", "00001", "10001", "01110"],
            ['4'] = ["00010", "00110", "01010", "10010", "11111", "00010", "00010"],
            ['5'] = ["11111", "10000", "11110", "00001", "00001", "10001", "01110"],
            ['6'] = ["00110", "01000", "10000", "11110", "10001", "10001", "01110"],
            ['7'] = ["11111", "00001", "00010", "00100", "01000", "01000", "01000"],
            ['8'] = ["01110", "10001", "10001", "01110", "10001", "10001", "01110"],
            ['9'] = ["01110", "10001", "10001", "01111", "00001", "00010", "01100"],
            ['A'] = ["01110", "10001", "10001", "10001", "11111", "10001", "10001"],
            ['B'] = ["11110", "10001", "10001", "11110", "10001", "10001", "11110"],
            ['C'] = ["01110", "10001", "10000", "10000", "10000", "10001", "01110"],
            ['D'] = ["11100", "10010", "10001", "10001", "10001", "10010", "11100"],
            ['E'] = ["11111", "10000", "10000", "11110", "10000", "10000", "11111"],
            ['F'] = ["11111", "10000", "10000", "11110", "10000", "10000", "10000"],
            ['G'] = ["01110", "10001", "10000", "10111", "10001", "10001", "01111"],
            ['H'] = ["10001", "10001", "10001", "11111", "10001", "10001", "10001"],
            ['I'] = ["01110", "00100", "00100", "00100", "00100", "00100", "01110"],
            ['J'] = ["00111", "00010", "00010", "00010", "00010", "10010", "01100"],
            ['K'] = ["10001", "10010", "10100", "11000", "10100", "10010", "10001"],
            ['L'] = ["10000", "10000", "10000", "10000", "10000", "10000", "11111"],
            ['M'] = ["10001", "11011", "10101", "10101", "10001", "10001", "10001"],
            ['N'] = ["10001", "10001", "11001", "10101", "10011", "10001", "10001"],
            ['O'] = ["01110", "10001", "10001", "10001", "10001", "10001", "01110"],
            ['P'] = ["11110", "10001", "10001", "11110", "10000", "10000", "10000"],
            ['Q'] = ["01110", "10001", "10001", "10001", "10101", "10010", "01101"],
            ['R'] = ["11110", "10001", "10001", "11110", "10100", "10010", "10001"],
            ['S'] = ["01111", "10000", "10000", "01110", "00001", "00001", "11110"],
            ['T'] = ["11111", "00100", "00100", "00100", "00100", "00100", "00100"],
            ['U'] = ["10001", "10001", "10001", "10001", "10001", "10001", "01110"],
            ['V'] = ["10001", "10001", "10001", "10001", "10001", "01010", "00100"],
            ['W'] = ["10001", "10001", "10001", "10101", "10101", "10101", "01010"],
            ['X'] = ["10001", "10001", "01010", "00100", "01010", "10001", "10001"],
            ['Y'] = ["10001", "10001", "10001", "01010", "00100", "00100", "00100"],
            ['Z'] = ["11111", "00001", "00010", "00100", "01000", "10000", "11111"],
            ['-'] = ["00000", "00000", "00000", "11111", "00000", "00000", "00000"],
            ['+'] = ["00000", "00100", "00100", "11111", "00100", "00100", "00000"],
            [':'] = ["00000", "01100", "01100", "00000", "01100", "01100", "00000"],
            ['.'] = ["00000", "00000", "00000", "00000", "00000", "01100", "01100"],
            [','] = ["00000", "00000", "00000", "00000", "01100", "00100", "01000"],
            ['('] = ["00010", "00100", "01000", "01000", "01000", "00100", "00010"],
            [')'] = ["01000", "00100", "00010", "00010", "00010", "00100", "01000"],
            ['/'] = ["00000", "00001", "00010", "00100", "01000", "10000", "00000"],
            ['@'] = ["01110", "10001", "00001", "01101", "10101", "10101", "01110"],
        };

        /// <summary>The width in pixels of <paramref name="text"/> drawn at <paramref name="scale"/>: one blank column between glyphs.</summary>
        public static int Width(string text, int scale) =>
            text.Length == 0 ? 0 : ((text.Length * (GlyphWidth + 1)) - 1) * scale;

        /// <summary>Draws <paramref name="text"/> with its top-left corner at (<paramref name="left"/>, <paramref name="top"/>), clipped to the image.</summary>
        public static void Draw(RgbImage image, int left, int top, string text, int scale, Rgb colour)
        {
            for (var i = 0; i < text.Length; i++)
            {
                if (!Glyphs.TryGetValue(char.ToUpperInvariant(text[i]), out var rows))
                {
                    continue;
                }

                var glyphLeft = left + (i * (GlyphWidth + 1) * scale);
                for (var row = 0; row < GlyphHeight; row++)
                {
                    for (var column = 0; column < GlyphWidth; column++)
                    {
                        if (rows[row][column] == '1')
                        {
                            Fill(image, glyphLeft + (column * scale), top + (row * scale), scale, scale, colour);
                        }
                    }
                }
            }
        }
    }
}
