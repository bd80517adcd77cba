using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.Media;

namespace RhymeFlow.Host.Tests.Media;

public sealed class ContactSheetTests
{
    [Fact]
    public void PlacesTilesInAGridWithSpacing()
    {
        var tiles = Enumerable.Range(0, 5).Select(i =>
        {
            var tile = new RgbImage(3, 2);
            tile.Pixels.Fill((byte)(100 + i));
            return tile;
        }).ToArray();

        var sheet = ContactSheet.Grid(tiles, columns: 2, spacing: 1, background: 7);

        Assert.Equal((1 + (2 * 4), 1 + (3 * 3)), (sheet.Width, sheet.Height));
        Assert.Equal(((byte)7, (byte)7, (byte)7), sheet.GetPixel(0, 0));
        Assert.Equal(((byte)100, (byte)100, (byte)100), sheet.GetPixel(1, 1));
        Assert.Equal(((byte)101, (byte)101, (byte)101), sheet.GetPixel(5, 2));
        Assert.Equal(((byte)104, (byte)104, (byte)104), sheet.GetPixel(3, 8));
        Assert.Equal(((byte)7, (byte)7, (byte)7), sheet.GetPixel(5, 8));
    }

    [Fact]
    public void ClipRowsShowFramesUpscaled()
    {
        var clips = new[] { "a red circle moving left quickly", "a green square growing slowly" }
            .Select(c => ClipGenerator.Render(Caption.Parse(c, 3))).ToArray();
        var sheet = ContactSheet.FromClips(clips, frameStep: 4, scale: 2, spacing: 2);
        Assert.Equal((2 + (4 * 66), 2 + (2 * 66)), (sheet.Width, sheet.Height));

        // Frame 4 of clip 1, pixel (5, 6), lands at column 1, row 1, upscaled 2x.
        var expected = RgbImage.FromFrame(clips[1], 4).GetPixel(5, 6);
        Assert.Equal(expected, sheet.GetPixel(2 + 66 + 10, 2 + 66 + 12));
        Assert.Equal(expected, sheet.GetPixel(2 + 66 + 11, 2 + 66 + 13));
    }

    [Fact]
    public void FrameConversionMapsMinusOneToOneOntoBytes()
    {
        var clip = new VideoClip(1, 1, 2, [-1f, 1.5f, 0f, 0f, 1f, -2f]);
        var image = RgbImage.FromFrame(clip, 0);
        Assert.Equal(((byte)0, (byte)128, (byte)255), image.GetPixel(0, 0));
        Assert.Equal(((byte)255, (byte)128, (byte)0), image.GetPixel(1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => RgbImage.FromFrame(clip, 1));
    }
}
