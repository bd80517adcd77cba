namespace RhymeFlow.Host.Media;

/// <summary>A 256-entry colour table for a set of frames, and the mapping of each colour to its entry.</summary>
/// <remarks>
/// Frames with at most 256 distinct colours get those colours exactly, so the GIF is lossless. Otherwise median cut:
/// repeatedly split the box of colours with the widest channel range (weighted by pixel count) at the weighted median,
/// until there are 256 boxes; each entry is its box's weighted mean and every colour maps to its nearest entry.
/// </remarks>
internal sealed class GifPalette
{
    public const int Size = 256;
    private readonly Dictionary<int, byte> _index;

    private GifPalette(int[] entries, Dictionary<int, byte> index)
    {
        Entries = entries;
        _index = index;
    }

    /// <summary>Packed 0xRRGGBB entries (fewer than 256 when the frames have fewer colours).</summary>
    public int[] Entries { get; }

    public static GifPalette Build(IReadOnlyList<RgbImage> frames)
    {
        var counts = new Dictionary<int, long>();
        foreach (var frame in frames)
        {
            var pixels = frame.Pixels;
            for (var i = 0; i < pixels.Length; i += 3)
            {
                var colour = (pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2];
                counts[colour] = counts.GetValueOrDefault(colour) + 1;
            }
        }

        var entries = counts.Count <= Size ? counts.Keys.Order().ToArray() : MedianCut(counts);
        var index = new Dictionary<int, byte>(counts.Count);
        foreach (var colour in counts.Keys)
        {
            index[colour] = Nearest(entries, colour);
        }

        return new GifPalette(entries, index);
    }

    public byte IndexOf(byte r, byte g, byte b) => _index[(r << 16) | (g << 8) | b];

    private static int[] MedianCut(Dictionary<int, long> counts)
    {
        var boxes = new List<List<KeyValuePair<int, long>>> { counts.ToList() };
        while (boxes.Count < Size)
        {
            var (widest, channel, range) = (-1, 0, 0);
            for (var b = 0; b < boxes.Count; b++)
            {
                if (boxes[b].Count < 2)
                {
                    continue;
                }

                for (var c = 0; c < 3; c++)
                {
                    var shift = 16 - (8 * c);
                    var span = boxes[b].Max(p => (p.Key >> shift) & 0xFF) - boxes[b].Min(p => (p.Key >> shift) & 0xFF);
                    if (span > range)
                    {
                        (widest, channel, range) = (b, c, span);
                    }
                }
            }

            if (widest < 0)
            {
                break;
            }

            var s = 16 - (8 * channel);
            var sorted = boxes[widest].OrderBy(p => (p.Key >> s) & 0xFF).ToList();
            var half = sorted.Sum(p => p.Value) / 2.0;
            var split = 1;
            for (double seen = sorted[0].Value; split < sorted.Count - 1 && seen < half; split++)
            {
                seen += sorted[split].Value;
            }

            boxes[widest] = sorted.GetRange(0, split);
            boxes.Add(sorted.GetRange(split, sorted.Count - split));
        }

        return boxes.Select(box =>
        {
            var total = (double)box.Sum(p => p.Value);
            int Mean(int shift) => (int)Math.Round(box.Sum(p => ((p.Key >> shift) & 0xFF) * (double)p.Value) / total);
            return (Mean(16) << 16) | (Mean(8) << 8) | Mean(0);
        }).ToArray();
    }

    private static byte Nearest(int[] entries, int colour)
    {
        var best = 0;
        var bestDistance = int.MaxValue;
        for (var i = 0; i < entries.Length; i++)
        {
            var dr = ((entries[i] >> 16) & 0xFF) - ((colour >> 16) & 0xFF);
            var dg = ((entries[i] >> 8) & 0xFF) - ((colour >> 8) & 0xFF);
            var db = (entries[i] & 0xFF) - (colour & 0xFF);
            var distance = (dr * dr) + (dg * dg) + (db * db);
            if (distance < bestDistance)
            {
                (best, bestDistance) = (i, distance);
            }
        }

        return (byte)best;
    }
}
