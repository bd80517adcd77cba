using System.Globalization;

namespace RhymeFlow.Bench;

/// <summary>One AsymRnR setting compared by <c>forward --reductions</c>: the removed fractions of queries and keys/values.</summary>
internal sealed record ReductionSet(double Query, double KeyValue)
{
    public bool IsDense => Query == 0 && KeyValue == 0;

    public string Name => IsDense ? "dense" : $"Q {Query.ToString("0.##", CultureInfo.InvariantCulture)} / KV {KeyValue.ToString("0.##", CultureInfo.InvariantCulture)}";

    /// <summary>Reads <c>dense,0.5/0.3,0.9/0.3</c>: each item <c>dense</c> or <c>Q/KV</c>; dense is put first when missing.</summary>
    public static IReadOnlyList<ReductionSet> ParseList(string text)
    {
        var sets = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(Parse).Distinct().ToList();
        if (!sets.Any(s => s.IsDense))
        {
            sets.Insert(0, new ReductionSet(0, 0));
        }

        return sets;
    }

    public static ReductionSet Parse(string item)
    {
        if (item == "dense")
        {
            return new ReductionSet(0, 0);
        }

        var parts = item.Split('/');
        if (parts.Length != 2)
        {
            throw new UsageException($"--reductions items are 'dense' or Q/KV ratios such as 0.5/0.3, got '{item}'");
        }

        return new ReductionSet(Ratio(parts[0], "query"), Ratio(parts[1], "key/value"));
    }

    public static double Ratio(string text, string what) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var ratio) && ratio is >= 0 and < 1
            ? ratio
            : throw new UsageException($"the {what} ratio must be a number in [0, 1), got '{text}'");
}
