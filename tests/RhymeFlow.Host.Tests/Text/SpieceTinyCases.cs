using System.Text.Json;
using RhymeFlow.Host.Tests.TestSupport;
using RhymeFlow.Host.Text;

namespace RhymeFlow.Host.Tests.Text;

/// <summary>The sentencepiece 0.2.2 reference cases of <c>spiece-tiny.cases.json</c>, and the tokenizer of <c>spiece-tiny.model</c>.</summary>
internal static class SpieceTinyCases
{
    private static readonly Lazy<IReadOnlyList<Case>> LoadedCases = new(LoadCases);
    private static readonly Lazy<SentencePieceTokenizer> LoadedTokenizer = new(() => SentencePieceTokenizer.Load(ModelPath));

    public static string ModelPath => Fixtures.WanPipeline("spiece-tiny.model");

    public static IReadOnlyList<Case> All => LoadedCases.Value;

    public static SentencePieceTokenizer Tokenizer => LoadedTokenizer.Value;

    /// <summary>Indices of the cases, for <c>[MemberData]</c>, so that each case reports on its own.</summary>
    public static TheoryData<int> Indices()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < All.Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    private static IReadOnlyList<Case> LoadCases()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Fixtures.WanPipeline("spiece-tiny.cases.json")));
        return [.. document.RootElement.EnumerateArray().Select(c => new Case(
            c.GetProperty("text").GetString()!,
            [.. c.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32())],
            [.. c.GetProperty("pieces").EnumerateArray().Select(e => e.GetString()!)]))];
    }

    public sealed record Case(string Text, int[] Ids, string[] Pieces);
}
