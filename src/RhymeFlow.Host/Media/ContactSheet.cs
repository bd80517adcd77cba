namespace RhymeFlow.Host.Media;

/// <summary>Lays images out in a grid, for looking at many small frames at once.</summary>
public static class ContactSheet
{
    /// <summary>
    /// Tiles in row-major order, <paramref name="columns"/> per row, with <paramref name="spacing"/> pixels of
    /// <paramref name="background"/> grey between and around them. Tiles may differ in size; each cell is as large as the largest.
    /// </summary>
    public static RgbImage Grid(IReadOnlyList<RgbImage> tiles, int columns, int spacing = 2, byte background = 40)
    {
        ArgumentNullException.ThrowIfNull(tiles);
        if (tiles.Count == 0)
        {
            throw new ArgumentException("Expected at least one tile, but the list is empty.", nameof(tiles));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        ArgumentOutOfRangeException.ThrowIfNegative(spacing);
        var cellWidth = tiles.Max(t => t.Width);
        var cellHeight = tiles.Max(t => t.Height);
        var rows = (tiles.Count + columns - 1) / columns;
        var usedColumns = Math.Min(columns, tiles.Count);
        var sheet = new RgbImage(spacing + (usedColumns * (cellWidth + spacing)), spacing + (rows * (cellHeight + spacing)));
        sheet.Pixels.Fill(background);
        for (var i = 0; i < tiles.Count; i++)
        {
            var tile = tiles[i];
            var left = spacing + ((i % columns) * (cellWidth + spacing));
            var top = spacing + ((i / columns) * (cellHeight + spacing));
            for (var y = 0; y < tile.Height; y++)
            {
                tile.Pixels.Slice(y * tile.Width * 3, tile.Width * 3).CopyTo(sheet.Pixels.Slice((((top + y) * sheet.Width) + left) * 3));
            }
        }

        return sheet;
    }

    /// <summary>
    /// One row per clip showing every <paramref name="frameStep"/>-th frame, each upscaled by <paramref name="scale"/>.
    /// All clips must have the same size and frame count.
    /// </summary>
    public static RgbImage FromClips(IReadOnlyList<VideoClip> clips, int frameStep = 1, int scale = 2, int spacing = 2)
    {
        ArgumentNullException.ThrowIfNull(clips);
        if (clips.Count == 0)
        {
            throw new ArgumentException("Expected at least one clip, but the list is empty.", nameof(clips));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameStep);
        var first = clips[0];
        var mismatch = clips.FirstOrDefault(c => c.Frames != first.Frames || c.Width != first.Width || c.Height != first.Height);
        if (mismatch is not null)
        {
            throw new ArgumentException(
                $"All clips must match the first ({first.Frames} frames of {first.Width}x{first.Height}), but one has {mismatch.Frames} frames of {mismatch.Width}x{mismatch.Height}.",
                nameof(clips));
        }

        var tiles = new List<RgbImage>();
        foreach (var clip in clips)
        {
            for (var f = 0; f < clip.Frames; f += frameStep)
            {
                tiles.Add(RgbImage.FromFrame(clip, f).Upscale(scale));
            }
        }

        return Grid(tiles, (first.Frames + frameStep - 1) / frameStep, spacing);
    }
}
