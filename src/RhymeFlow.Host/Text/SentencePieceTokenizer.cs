using System.Text;

namespace RhymeFlow.Host.Text;

/// <summary>
/// A SentencePiece unigram tokenizer that reproduces sentencepiece's <c>EncodeAsIds</c> /
/// <c>EncodeAsPieces</c>: the model's normalizer, a Viterbi search for the best-scoring segmentation
/// (user-defined pieces win wherever they match) and byte fallback for characters outside the
/// vocabulary. No bos or eos is added; see <see cref="Umt5TextTokenizer"/> for umT5's framing.
/// Immutable and safe to share between threads.
/// </summary>
public sealed class SentencePieceTokenizer
{
    /// <summary>sentencepiece's <c>kUnkPenalty</c>: how much worse than the worst piece an unknown character scores.</summary>
    private const float UnkPenalty = 10.0f;

    /// <summary>C's <c>FLT_MIN</c>, the initial maximum score in sentencepiece (kept for identical user-defined scores).</summary>
    private const float FltMin = 1.17549435E-38f;

    private readonly SentencePieceEntry[] _pieces;
    private readonly Dictionary<string, int> _ids;
    private readonly PieceTrie _trie = new();
    private readonly SentencePieceNormalizer _normalizer;
    private readonly int[] _byteIds = new int[256];
    private readonly float _minScore = float.MaxValue;
    private readonly float _maxScore = FltMin;

    /// <summary>Creates a tokenizer over a loaded model.</summary>
    public SentencePieceTokenizer(SentencePieceModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        _pieces = [.. model.Pieces];
        _ids = new Dictionary<string, int>(_pieces.Length, StringComparer.Ordinal);
        var userDefined = new PieceTrie();
        for (var id = 0; id < _pieces.Length; id++)
        {
            var entry = _pieces[id];
            _ids[entry.Piece] = id;
            switch (entry.Type)
            {
                case SentencePieceType.Normal:
                    _minScore = Math.Min(_minScore, entry.Score);
                    _maxScore = Math.Max(_maxScore, entry.Score);
                    _trie.Add(Encoding.UTF8.GetBytes(entry.Piece), id);
                    break;
                case SentencePieceType.UserDefined:
                    _trie.Add(Encoding.UTF8.GetBytes(entry.Piece), id);
                    userDefined.Add(Encoding.UTF8.GetBytes(entry.Piece), id);
                    break;
                case SentencePieceType.Unused:
                    _trie.Add(Encoding.UTF8.GetBytes(entry.Piece), id);
                    break;
                case SentencePieceType.Unknown:
                case SentencePieceType.Control:
                case SentencePieceType.Byte:
                default:
                    break;
            }
        }

        for (var b = 0; b < 256; b++)
        {
            _byteIds[b] = PieceToId(SentencePieceModel.BytePiece((byte)b));
        }

        _normalizer = new SentencePieceNormalizer(model, userDefined);
    }

    /// <summary>Loads <paramref name="path"/> (a <c>spiece.model</c>) and creates a tokenizer over it.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="SentencePieceModelException">The file is not a valid unigram SentencePiece model.</exception>
    public static SentencePieceTokenizer Load(string path) => new(SentencePieceModel.Load(path));

    /// <summary>The model this tokenizer encodes with.</summary>
    public SentencePieceModel Model { get; }

    /// <summary>The number of pieces in the vocabulary.</summary>
    public int VocabularySize => _pieces.Length;

    /// <summary>The padding id, or -1 when the model has none (umT5: 0).</summary>
    public int PadId => Model.PadId;

    /// <summary>The end-of-sentence id, or -1 when the model has none (umT5: 1).</summary>
    public int EosId => Model.EosId;

    /// <summary>The unknown-piece id (umT5: 2).</summary>
    public int UnkId => Model.UnkId;

    /// <summary>The beginning-of-sentence id, or -1 when the model has none (umT5 has none).</summary>
    public int BosId => Model.BosId;

    /// <summary>The ids of <paramref name="text"/>, without bos or eos.</summary>
    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var normalized = Normalize(text);
        var ids = new List<int>(normalized.Length / 2 + 1);
        foreach (var (start, end, id) in Viterbi(normalized))
        {
            if (id == Model.UnkId && Model.ByteFallback)
            {
                for (var i = start; i < end; i++)
                {
                    ids.Add(_byteIds[normalized[i]]);
                }
            }
            else
            {
                ids.Add(id);
            }
        }

        return ids;
    }

    /// <summary>The tokens (id and piece) of <paramref name="text"/>, without bos or eos.</summary>
    public IReadOnlyList<SentencePieceToken> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var normalized = Normalize(text);
        var tokens = new List<SentencePieceToken>(normalized.Length / 2 + 1);
        foreach (var (start, end, id) in Viterbi(normalized))
        {
            if (id == Model.UnkId && Model.ByteFallback)
            {
                for (var i = start; i < end; i++)
                {
                    var b = normalized[i];
                    var byteId = _byteIds[b];
                    tokens.Add(new SentencePieceToken(byteId, byteId == Model.UnkId ? SentencePieceModel.BytePiece(b) : _pieces[byteId].Piece));
                }
            }
            else if (id == Model.UnkId)
            {
                tokens.Add(new SentencePieceToken(id, Encoding.UTF8.GetString(normalized, start, end - start)));
            }
            else
            {
                tokens.Add(new SentencePieceToken(id, _pieces[id].Piece));
            }
        }

        return tokens;
    }

    /// <summary>The pieces of <paramref name="text"/>; the same as <see cref="Tokenize"/> without the ids.</summary>
    public IReadOnlyList<string> EncodeToPieces(string text) => [.. Tokenize(text).Select(t => t.Piece)];

    /// <summary>
    /// The text the ids spell, as sentencepiece's <c>DecodeIds</c>: control pieces (pad, eos) vanish,
    /// ▁ becomes a space (the leading one dropped), consecutive byte pieces are read as UTF-8 and unk
    /// becomes <see cref="SentencePieceModel.UnkSurface"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside the vocabulary.</exception>
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var text = new StringBuilder();
        var bytes = new List<byte>();
        var isBosWhitespace = true;
        var bosWhitespaceSeen = false;
        foreach (var id in ids)
        {
            if ((uint)id >= (uint)_pieces.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"Id {id} is outside the vocabulary of {_pieces.Length} pieces of '{Model.Source}'.");
            }

            var entry = _pieces[id];
            if (entry.Type == SentencePieceType.Byte && SentencePieceModel.TryParseBytePiece(entry.Piece, out var value))
            {
                bytes.Add(value);
                continue;
            }

            FlushBytes(text, bytes);
            if (bosWhitespaceSeen || text.Length > 0)
            {
                isBosWhitespace = false;
            }

            bosWhitespaceSeen = false;
            switch (entry.Type)
            {
                case SentencePieceType.Control:
                    break;
                case SentencePieceType.Unknown:
                    text.Append(Model.UnkSurface);
                    break;
                case SentencePieceType.Normal:
                case SentencePieceType.UserDefined:
                case SentencePieceType.Unused:
                case SentencePieceType.Byte:
                default:
                    {
                        var piece = entry.Piece.AsSpan();
                        // sentencepiece drops the ▁ of the first piece; with remove_extra_whitespaces, of every piece until text appears.
                        if (isBosWhitespace && (Model.AddDummyPrefix || Model.RemoveExtraWhitespaces) && piece.StartsWith("\u2581", StringComparison.Ordinal))
                        {
                            piece = piece[1..];
                            bosWhitespaceSeen = !Model.RemoveExtraWhitespaces;
                        }

                        var start = text.Length;
                        text.Append(piece);
                        text.Replace('\u2581', ' ', start, piece.Length);
                        break;
                    }
            }
        }

        FlushBytes(text, bytes);
        return text.ToString();
    }

    /// <summary>The piece of <paramref name="id"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside the vocabulary.</exception>
    public string IdToPiece(int id) => (uint)id < (uint)_pieces.Length
        ? _pieces[id].Piece
        : throw new ArgumentOutOfRangeException(nameof(id), id, $"Id {id} is outside the vocabulary of {_pieces.Length} pieces of '{Model.Source}'.");

    /// <summary>The id of <paramref name="piece"/>, or <see cref="UnkId"/> when the vocabulary lacks it.</summary>
    public int PieceToId(string piece)
    {
        ArgumentNullException.ThrowIfNull(piece);
        return _ids.TryGetValue(piece, out var id) ? id : Model.UnkId;
    }

    /// <summary>The normalized text the Viterbi search runs over (spaces as ▁), as UTF-8 bytes.</summary>
    internal byte[] Normalize(string text) => _normalizer.Normalize(Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// sentencepiece's <c>unigram::Model::EncodeOptimized</c>: the best path over the normalized bytes,
    /// as (start, end, id) segments; an unknown character is one segment with the unk id.
    /// </summary>
    private List<(int Start, int End, int Id)> Viterbi(byte[] normalized)
    {
        var size = normalized.Length;
        var unkScore = _minScore - UnkPenalty;
        var bestScore = new float[size + 1];
        var bestStart = new int[size + 1];
        var bestId = new int[size + 1];
        Array.Fill(bestStart, -1);

        var startsAt = 0;
        while (startsAt < size)
        {
            var scoreTillHere = bestScore[startsAt];
            var hasSingleNode = false;
            var charLength = Math.Min(Utf8.OneCharLength(normalized[startsAt]), size - startsAt);
            var node = 0;
            for (var keyPos = startsAt; keyPos < size;)
            {
                node = _trie.Step(node, normalized[keyPos]);
                keyPos++;
                if (node < 0)
                {
                    break;
                }

                var id = _trie.ValueAt(node);
                if (id < 0 || _pieces[id].Type == SentencePieceType.Unused)
                {
                    continue;
                }

                var length = keyPos - startsAt;

                // As in sentencepiece, a user-defined score is a double (length * max - 0.1); the sum is compared in double and stored as float.
                var score = _pieces[id].Type == SentencePieceType.UserDefined ? (length * _maxScore) - 0.1 : _pieces[id].Score;
                var candidate = score + scoreTillHere;
                if (bestStart[keyPos] == -1 || candidate > bestScore[keyPos])
                {
                    bestScore[keyPos] = (float)candidate;
                    bestStart[keyPos] = startsAt;
                    bestId[keyPos] = id;
                }

                if (!hasSingleNode && length == charLength)
                {
                    hasSingleNode = true;
                }
            }

            if (!hasSingleNode)
            {
                var target = startsAt + charLength;
                var candidate = unkScore + scoreTillHere;
                if (bestStart[target] == -1 || candidate > bestScore[target])
                {
                    bestScore[target] = candidate;
                    bestStart[target] = startsAt;
                    bestId[target] = Model.UnkId;
                }
            }

            startsAt += charLength;
        }

        var segments = new List<(int Start, int End, int Id)>();
        for (var endsAt = size; endsAt > 0; endsAt = bestStart[endsAt])
        {
            segments.Add((bestStart[endsAt], endsAt, bestId[endsAt]));
        }

        segments.Reverse();
        return Model.ByteFallback ? segments : MergeUnknownRuns(segments);
    }

    /// <summary>
    /// As sentencepiece's <c>PopulateSentencePieceText</c> without byte fallback: a run of unknown
    /// characters becomes one unk token.
    /// </summary>
    private List<(int Start, int End, int Id)> MergeUnknownRuns(List<(int Start, int End, int Id)> segments)
    {
        var merged = new List<(int Start, int End, int Id)>(segments.Count);
        foreach (var segment in segments)
        {
            if (segment.Id == Model.UnkId && merged.Count > 0 && merged[^1].Id == Model.UnkId)
            {
                merged[^1] = (merged[^1].Start, segment.End, Model.UnkId);
            }
            else
            {
                merged.Add(segment);
            }
        }

        return merged;
    }

    /// <summary>Appends decoded byte pieces: each well-formed UTF-8 character, and U+FFFD for each byte that is not part of one.</summary>
    private static void FlushBytes(StringBuilder text, List<byte> bytes)
    {
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes);
        while (!span.IsEmpty)
        {
            var length = Utf8.ValidCharLength(span);
            if (length == 0)
            {
                text.Append('\uFFFD');
                span = span[1..];
            }
            else
            {
                text.Append(Encoding.UTF8.GetString(span[..length]));
                span = span[length..];
            }
        }

        bytes.Clear();
    }
}
