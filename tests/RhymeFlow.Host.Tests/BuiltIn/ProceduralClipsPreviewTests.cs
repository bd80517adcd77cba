using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.Media;

namespace RhymeFlow.Host.Tests.BuiltIn;

/// <summary>Renders the preview in docs/images that shows what the ground-truth clips look like.</summary>
public sealed class ProceduralClipsPreviewTests
{
    internal static readonly string[] PreviewCaptions =
    [
        "a red circle moving left quickly",
        "a green square moving right slowly",
        "a blue triangle moving up quickly",
        "a yellow circle moving down slowly",
        "a magenta square moving diagonally quickly",
        "a cyan triangle staying still",
        "a red square bouncing quickly",
        "a green circle growing quickly",
        "a blue square shrinking slowly",
        "a blue square and a yellow triangle moving up slowly",
        "a magenta circle and a cyan square bouncing slowly",
        "a red triangle and a green circle growing slowly",
    ];

    [Fact]
    public void WritesTheContactSheetOfTwelveGroundTruthClips()
    {
        var clips = PreviewCaptions.Select((caption, i) => ClipGenerator.Render(Caption.Parse(caption, seed: 7 + i))).ToArray();
        var sheet = ContactSheet.FromClips(clips, frameStep: 2, scale: 2, spacing: 2);

        var path = Path.Combine(RepositoryRoot(), "docs", "images", "procedural-clips.png");
        PngWriter.Write(path, sheet);

        Assert.Equal(2 + (8 * 66), sheet.Width);
        Assert.Equal(2 + (12 * 66), sheet.Height);
        Assert.True(new FileInfo(path).Length < 400_000, $"The preview should stay small, but is {new FileInfo(path).Length} bytes.");
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "RhymeFlow.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No RhymeFlow.sln above {AppContext.BaseDirectory}.");
    }
}
