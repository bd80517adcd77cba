using System.Buffers.Binary;

namespace RhymeFlow.Host.Text;

/// <summary>
/// sentencepiece's precompiled normalization rules: a little-endian <c>uint32</c> trie size, a Darts
/// double-array trie over UTF-8 byte sequences whose values are offsets into the replacement blob that
/// follows, and that blob of NUL-terminated UTF-8 replacement strings.
/// </summary>
internal sealed class PrecompiledCharsMap
{
    private readonly uint[] _units;
    private readonly byte[] _replacements;

    public PrecompiledCharsMap(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < 4)
        {
            throw new FormatException($"it is {blob.Length} bytes long, shorter than its 4-byte header");
        }

        var trieSize = BinaryPrimitives.ReadUInt32LittleEndian(blob);
        if (trieSize >= (uint)(blob.Length - 4) + 1 || trieSize % 4 != 0 || trieSize == 0)
        {
            throw new FormatException($"its trie size {trieSize} does not fit its {blob.Length} bytes as whole 4-byte units");
        }

        var trie = blob.Slice(4, (int)trieSize);
        _units = new uint[trie.Length / 4];
        for (var i = 0; i < _units.Length; i++)
        {
            _units[i] = BinaryPrimitives.ReadUInt32LittleEndian(trie[(4 * i)..]);
        }

        _replacements = blob[(4 + (int)trieSize)..].ToArray();
    }

    /// <summary>
    /// The longest rule that matches a prefix of <paramref name="input"/>: its length in bytes and its
    /// replacement; 0 when no rule matches. Darts' <c>commonPrefixSearch</c>, as sentencepiece uses it.
    /// </summary>
    public int LongestMatch(ReadOnlySpan<byte> input, out ReadOnlySpan<byte> replacement)
    {
        replacement = default;
        var longestLength = 0;
        var longestValue = 0;
        uint nodePos = 0;
        var unit = _units[0];
        nodePos ^= Offset(unit);
        for (var i = 0; i < input.Length; i++)
        {
            nodePos ^= input[i];
            if (nodePos >= (uint)_units.Length)
            {
                break;
            }

            unit = _units[nodePos];
            if (Label(unit) != input[i])
            {
                break;
            }

            nodePos ^= Offset(unit);
            if (HasLeaf(unit) && nodePos < (uint)_units.Length)
            {
                longestLength = i + 1;
                longestValue = (int)Value(_units[nodePos]);
            }
        }

        if (longestLength == 0)
        {
            return 0;
        }

        if (longestValue >= _replacements.Length)
        {
            throw new FormatException($"a rule points at replacement offset {longestValue}, past the {_replacements.Length}-byte replacement blob");
        }

        var tail = _replacements.AsSpan(longestValue);
        var end = tail.IndexOf((byte)0);
        replacement = end < 0 ? tail : tail[..end];
        return longestLength;
    }

    private static bool HasLeaf(uint unit) => ((unit >> 8) & 1) == 1;

    private static uint Value(uint unit) => unit & ((1u << 31) - 1);

    private static uint Label(uint unit) => unit & ((1u << 31) | 0xFF);

    private static uint Offset(uint unit) => (unit >> 10) << (int)((unit & (1u << 9)) >> 6);
}
