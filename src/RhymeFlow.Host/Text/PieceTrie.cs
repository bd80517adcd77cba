namespace RhymeFlow.Host.Text;

/// <summary>A byte trie over the UTF-8 spelling of vocabulary pieces, walked one byte at a time.</summary>
internal sealed class PieceTrie
{
    private readonly Dictionary<long, int> _edges = [];
    private readonly List<int> _values = [-1];

    /// <summary>Adds <paramref name="utf8"/> with value <paramref name="id"/>.</summary>
    public void Add(ReadOnlySpan<byte> utf8, int id)
    {
        var node = 0;
        foreach (var b in utf8)
        {
            var key = Key(node, b);
            if (!_edges.TryGetValue(key, out var child))
            {
                child = _values.Count;
                _values.Add(-1);
                _edges.Add(key, child);
            }

            node = child;
        }

        _values[node] = id;
    }

    public bool IsEmpty => _values.Count == 1;

    /// <summary>The node reached from <paramref name="node"/> by <paramref name="b"/>, or -1 when there is none.</summary>
    public int Step(int node, byte b) => _edges.TryGetValue(Key(node, b), out var child) ? child : -1;

    /// <summary>The id stored at <paramref name="node"/>, or -1 when no piece ends there.</summary>
    public int ValueAt(int node) => _values[node];

    /// <summary>The length in bytes of the longest piece that is a prefix of <paramref name="input"/>; 0 when none is.</summary>
    public int LongestPrefix(ReadOnlySpan<byte> input)
    {
        var node = 0;
        var longest = 0;
        for (var i = 0; i < input.Length; i++)
        {
            node = Step(node, input[i]);
            if (node < 0)
            {
                break;
            }

            if (_values[node] >= 0)
            {
                longest = i + 1;
            }
        }

        return longest;
    }

    private static long Key(int node, byte b) => ((long)node << 8) | b;
}
