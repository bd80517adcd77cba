using System.Text;
using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.Media;
using Xunit.Abstractions;

namespace RhymeFlow.Host.Tests.Media;

public sealed class GifWriterTests(ITestOutputHelper output)
{
    [Fact]
    public void WritesHeaderScreenSizeFramesAndTrailer()
    {
        var frames = Enumerable.Range(0, 5).Select(i => PngWriterTests.Gradient(20, 9)).ToArray();
        var gif = GifWriter.Encode(frames, delayCentiseconds: 12);
        var decoded = GifDecoder.Decode(gif);

        Assert.Equal("GIF89a", Encoding.ASCII.GetString(gif, 0, 6));
        Assert.Equal((20, 9), (decoded.Width, decoded.Height));
        Assert.Equal(5, decoded.Frames.Count);
        Assert.All(decoded.Delays, d => Assert.Equal(12, d));
        Assert.True(decoded.LoopsForever);
        Assert.Equal(0x3B, gif[^1]);
    }

    [Fact]
    public void PaletteExactFramesRoundTripThroughLzwIncludingTableResets()
    {
        // 200 colours in noisy order: long enough to fill the 4096-entry code table several times.
        var random = new Random(1);
        var colours = Enumerable.Range(0, 200).Select(_ => ((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256))).ToArray();
        var frames = Enumerable.Range(0, 3).Select(_ =>
        {
            var image = new RgbImage(97, 61);
            for (var y = 0; y < image.Height; y++)
            {
                for (var x = 0; x < image.Width; x++)
                {
                    var (r, g, b) = colours[random.Next(x % 7 == 0 ? 3 : colours.Length)];
                    image.SetPixel(x, y, r, g, b);
                }
            }

            return image;
        }).ToArray();

        var decoded = GifDecoder.Decode(GifWriter.Encode(frames));

        for (var i = 0; i < frames.Length; i++)
        {
            Assert.True(frames[i].Pixels.SequenceEqual(decoded.Frames[i]), $"Frame {i} differs after decoding.");
        }
    }

    [Fact]
    public void ManyColoursAreQuantisedCloselyByMedianCut()
    {
        var frames = Enumerable.Range(0, 2).Select(f =>
        {
            var image = new RgbImage(64, 64);
            for (var y = 0; y < 64; y++)
            {
                for (var x = 0; x < 64; x++)
                {
                    image.SetPixel(x, y, (byte)(x * 4), (byte)(y * 4), (byte)((x + y + (f * 20)) * 2));
                }
            }

            return image;
        }).ToArray();

        var decoded = GifDecoder.Decode(GifWriter.Encode(frames));
        var error = frames.Zip(decoded.Frames).Average(pair => pair.First.Pixels.ToArray().Zip(pair.Second).Average(p => Math.Abs(p.First - p.Second)));
        output.WriteLine($"mean absolute error {error:F2} levels");
        Assert.InRange(error, 0, 8.0);
    }

    [Fact]
    public void WritesAnUpscaledClipFile()
    {
        var directory = Directory.CreateTempSubdirectory("rhymeflow-gif-");
        try
        {
            var path = Path.Combine(directory.FullName, "clip.gif");
            GifWriter.Write(path, ClipGenerator.Render(Caption.Parse("a blue triangle moving up quickly", 1)), scale: 3);
            var decoded = GifDecoder.Decode(File.ReadAllBytes(path));
            Assert.Equal((96, 96, 16), (decoded.Width, decoded.Height, decoded.Frames.Count));
            Assert.Single(Directory.GetFiles(directory.FullName));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void RejectsFramesOfDifferentSizes()
    {
        var error = Assert.Throws<ArgumentException>(() => GifWriter.Encode([new RgbImage(4, 4), new RgbImage(4, 5)]));
        Assert.Contains("4x5", error.Message);
    }
}
