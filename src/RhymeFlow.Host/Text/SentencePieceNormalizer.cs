namespace RhymeFlow.Host.Text;

/// <summary>
/// sentencepiece's <c>Normalizer::Normalize</c> over UTF-8 bytes: user-defined pieces pass through
/// whole, the longest precompiled rule rewrites each prefix (NFKC and whitespace folding for
/// <c>nmt_nfkc</c>), leading, trailing and repeated spaces are dropped, a dummy-prefix space is added,
/// and spaces become U+2581.
/// </summary>
internal sealed class SentencePieceNormalizer
{
    private static ReadOnlySpan<byte> SpaceSymbol => "\u2581"u8;

    private static ReadOnlySpan<byte> ReplacementCharacter => "\uFFFD"u8;

    private readonly PrecompiledCharsMap? _charsMap;
    private readonly PieceTrie? _userDefined;
    private readonly bool _addDummyPrefix;
    private readonly bool _removeExtraWhitespaces;
    private readonly bool _escapeWhitespaces;

    public SentencePieceNormalizer(SentencePieceModel model, PieceTrie? userDefined)
    {
        _charsMap = model.PrecompiledCharsMap.Length > 0 ? new PrecompiledCharsMap(model.PrecompiledCharsMap) : null;
        _userDefined = userDefined is { IsEmpty: false } ? userDefined : null;
        _addDummyPrefix = model.AddDummyPrefix;
        _removeExtraWhitespaces = model.RemoveExtraWhitespaces;
        _escapeWhitespaces = model.EscapeWhitespaces;
    }

    public byte[] Normalize(ReadOnlySpan<byte> input)
    {
        if (_removeExtraWhitespaces)
        {
            while (!input.IsEmpty)
            {
                var consumed = NormalizePrefix(input, out var piece);
                if (!(piece.Length == 1 && piece[0] == (byte)' '))
                {
                    break;
                }

                input = input[consumed..];
            }
        }

        if (input.IsEmpty)
        {
            return [];
        }

        var output = new List<byte>(input.Length * 3 / 2 + 3);
        if (_addDummyPrefix)
        {
            AppendSpace(output);
        }

        var isPrevSpace = _removeExtraWhitespaces;
        while (!input.IsEmpty)
        {
            var consumed = NormalizePrefix(input, out var piece);
            while (isPrevSpace && !piece.IsEmpty && piece[0] == (byte)' ')
            {
                piece = piece[1..];
            }

            if (!piece.IsEmpty)
            {
                foreach (var b in piece)
                {
                    if (b == (byte)' ')
                    {
                        AppendSpace(output);
                    }
                    else
                    {
                        output.Add(b);
                    }
                }

                isPrevSpace = piece[^1] == (byte)' ';
            }

            input = input[consumed..];
            if (!_removeExtraWhitespaces)
            {
                isPrevSpace = false;
            }
        }

        if (_removeExtraWhitespaces)
        {
            ReadOnlySpan<byte> space = _escapeWhitespaces ? SpaceSymbol : " "u8;
            while (EndsWith(output, space))
            {
                output.RemoveRange(output.Count - space.Length, space.Length);
            }
        }

        return [.. output];
    }

    /// <summary>The normalized form of the first unit of <paramref name="input"/> and the bytes it consumes.</summary>
    private int NormalizePrefix(ReadOnlySpan<byte> input, out ReadOnlySpan<byte> piece)
    {
        if (_userDefined is not null)
        {
            var length = _userDefined.LongestPrefix(input);
            if (length > 0)
            {
                piece = input[..length];
                return length;
            }
        }

        if (_charsMap is not null)
        {
            var length = _charsMap.LongestMatch(input, out piece);
            if (length > 0)
            {
                return length;
            }
        }

        var charLength = Utf8.ValidCharLength(input);
        if (charLength == 0)
        {
            piece = ReplacementCharacter;
            return 1;
        }

        piece = input[..charLength];
        return charLength;
    }

    private void AppendSpace(List<byte> output)
    {
        if (_escapeWhitespaces)
        {
            output.AddRange(SpaceSymbol);
        }
        else
        {
            output.Add((byte)' ');
        }
    }

    private static bool EndsWith(List<byte> output, ReadOnlySpan<byte> suffix)
    {
        if (output.Count < suffix.Length)
        {
            return false;
        }

        for (var i = 0; i < suffix.Length; i++)
        {
            if (output[output.Count - suffix.Length + i] != suffix[i])
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>UTF-8 helpers with sentencepiece's conventions.</summary>
internal static class Utf8
{
    /// <summary>The byte length sentencepiece's <c>OneCharLen</c> gives a lead byte (1 for stray continuation bytes).</summary>
    public static int OneCharLength(byte lead) => (lead >> 4) switch
    {
        12 or 13 => 2,
        14 => 3,
        15 => 4,
        _ => 1,
    };

    /// <summary>The length of the well-formed UTF-8 character that starts <paramref name="input"/>, or 0 when it is malformed.</summary>
    public static int ValidCharLength(ReadOnlySpan<byte> input)
    {
        var status = System.Text.Rune.DecodeFromUtf8(input, out _, out var consumed);
        return status == System.Buffers.OperationStatus.Done ? consumed : 0;
    }
}
