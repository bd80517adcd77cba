using RhymeFlow.Core;
using RhymeFlow.Host.Media;

namespace RhymeFlow.Host.Tests.Media;

public sealed class PlanPictureTests
{
    [Theory]
    [InlineData(50, 21)]
    [InlineData(12, 5)]
    [InlineData(200, 81)]
    public void EveryCellHasTheColourOfItsGridCharacter(int steps, int frames)
    {
        var plan = Schedules.RhymeFlow(steps: steps, warmupSteps: Math.Min(10, steps / 3)).Compile(frames);
        var image = PlanPicture.Render(plan);
        var layout = PlanPicture.Layout.Of(plan);

        Assert.Equal((layout.Width, layout.Height), (image.Width, image.Height));
        var grid = plan.Grid;
        for (var frame = 0; frame < frames; frame++)
        {
            for (var step = 0; step < steps; step++)
            {
                var expected = PlanPicture.ColourOf(grid[frame][step]);
                foreach (var (dx, dy) in new[] { (0, 0), (layout.Cell - 1, layout.Cell - 1), (layout.Cell / 2, layout.Cell / 2) })
                {
                    var (r, g, b) = image.GetPixel(layout.CellLeft(step) + dx, layout.CellTop(frame) + dy);
                    Assert.Equal(expected, new PlanPicture.Rgb(r, g, b));
                }
            }
        }
    }

    [Fact]
    public void TheFourKindsHaveDistinctColoursAndTheDefaultPlanUsesThemAll()
    {
        var colours = new[] { 'F', 'A', 'P', '.' }.Select(PlanPicture.ColourOf).ToHashSet();
        Assert.Equal(4, colours.Count);
        Assert.DoesNotContain(PlanPicture.Background, colours);

        var image = PlanPicture.Render(Schedules.RhymeFlow(context: ContextKind.KeyframesOnly).Compile(21));
        var used = new HashSet<PlanPicture.Rgb>();
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                var (r, g, b) = image.GetPixel(x, y);
                used.Add(new PlanPicture.Rgb(r, g, b));
            }
        }

        Assert.Superset(colours, used);
        Assert.Contains(PlanPicture.KeyframeMark, used);
        Assert.Contains(PlanPicture.Ink, used);
    }

    [Fact]
    public void WritesAPngWithTheLayoutsSize()
    {
        var plan = Schedules.Dense(steps: 10).Compile(4);
        var path = Path.Combine(Path.GetTempPath(), $"plan-picture-{Guid.NewGuid():N}.png");
        try
        {
            PlanPicture.Write(path, plan);
            var bytes = File.ReadAllBytes(path);
            var layout = PlanPicture.Layout.Of(plan);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
            Assert.Equal(layout.Width, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
            Assert.Equal(layout.Height, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
