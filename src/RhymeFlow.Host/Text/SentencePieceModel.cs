using Google.Protobuf;

namespace RhymeFlow.Host.Text;

/// <summary>
/// A SentencePiece unigram model read from a <c>spiece.model</c> file (a serialized protobuf
/// <c>ModelProto</c>): the vocabulary with scores and kinds, the special ids from the trainer spec and
/// the normalizer spec. Immutable. Only unigram models are accepted, since that is what umT5 uses.
/// </summary>
public sealed class SentencePieceModel
{
    private const string SpaceSymbol = "\u2581";

    private SentencePieceModel(
        string source,
        SentencePieceEntry[] pieces,
        int unkId,
        int bosId,
        int eosId,
        int padId,
        bool byteFallback,
        string unkSurface,
        string normalizerName,
        byte[] precompiledCharsMap,
        bool addDummyPrefix,
        bool removeExtraWhitespaces,
        bool escapeWhitespaces)
    {
        Source = source;
        Pieces = pieces;
        UnkId = unkId;
        BosId = bosId;
        EosId = eosId;
        PadId = padId;
        ByteFallback = byteFallback;
        UnkSurface = unkSurface;
        NormalizerName = normalizerName;
        PrecompiledCharsMap = precompiledCharsMap;
        AddDummyPrefix = addDummyPrefix;
        RemoveExtraWhitespaces = removeExtraWhitespaces;
        EscapeWhitespaces = escapeWhitespaces;
    }

    /// <summary>The file (or the name given to <see cref="Parse"/>) the model was read from.</summary>
    public string Source { get; }

    /// <summary>The vocabulary, indexed by id.</summary>
    public IReadOnlyList<SentencePieceEntry> Pieces { get; }

    /// <summary>The number of pieces, i.e. the vocabulary size.</summary>
    public int VocabularySize => Pieces.Count;

    /// <summary>The id of the unknown piece.</summary>
    public int UnkId { get; }

    /// <summary>The id of the beginning-of-sentence piece, or -1 when the model has none (as umT5's).</summary>
    public int BosId { get; }

    /// <summary>The id of the end-of-sentence piece, or -1 when the model has none.</summary>
    public int EosId { get; }

    /// <summary>The id of the padding piece, or -1 when the model has none.</summary>
    public int PadId { get; }

    /// <summary>Whether characters outside the vocabulary are spelled as <c>&lt;0xNN&gt;</c> byte pieces instead of unk.</summary>
    public bool ByteFallback { get; }

    /// <summary>What decoding writes for the unknown piece (sentencepiece's default is " ⁇ ").</summary>
    public string UnkSurface { get; }

    /// <summary>The normalizer's name, e.g. <c>nmt_nfkc</c>; informative only, the rules are in the charsmap.</summary>
    public string NormalizerName { get; }

    /// <summary>Whether a space is put in front of the text, so that the first word is spelled like the others.</summary>
    public bool AddDummyPrefix { get; }

    /// <summary>Whether leading, trailing and repeated whitespace is removed.</summary>
    public bool RemoveExtraWhitespaces { get; }

    /// <summary>Whether spaces are written as U+2581 (▁) in pieces.</summary>
    public bool EscapeWhitespaces { get; }

    /// <summary>The normalization rules compiled by sentencepiece (a Darts trie and its replacement strings); may be empty.</summary>
    internal byte[] PrecompiledCharsMap { get; }

    /// <summary>Reads a model file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="SentencePieceModelException">The file is not a valid unigram SentencePiece model; the message names it.</exception>
    public static SentencePieceModel Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"SentencePiece model '{path}' does not exist.", path);
        }

        return ParseBytes(File.ReadAllBytes(path), path);
    }

    /// <summary>Parses the bytes of a model file; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="SentencePieceModelException">The bytes are not a valid unigram SentencePiece model.</exception>
    public static SentencePieceModel Parse(ReadOnlySpan<byte> bytes, string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return ParseBytes(bytes.ToArray(), source);
    }

    private static SentencePieceModel ParseBytes(byte[] bytes, string source)
    {
        try
        {
            return ParseCore(bytes, source);
        }
        catch (FormatException e)
        {
            throw new SentencePieceModelException(
                $"SentencePiece model '{source}' is not a valid protobuf ModelProto (truncated or not a spiece.model file): {e.Message}", e);
        }
    }

    private static SentencePieceModel ParseCore(byte[] bytes, string source)
    {
        var pieces = new List<SentencePieceEntry>();

        // TrainerSpec defaults, as in sentencepiece_model.proto.
        var modelType = 1;
        var byteFallback = false;
        var treatWhitespaceAsSuffix = false;
        var unkId = 0;
        var bosId = 1;
        var eosId = 2;
        var padId = -1;
        var unkSurface = " \u2047 ";

        // NormalizerSpec defaults.
        var normalizerName = string.Empty;
        var charsMap = Array.Empty<byte>();
        var addDummyPrefix = true;
        var removeExtraWhitespaces = true;
        var escapeWhitespaces = true;

        var hasTrainerSpec = false;
        var hasNormalizerSpec = false;
        var input = new CodedInputStream(bytes);
        long fieldStart = 0;
        var what = "field"; // which kind of field is being read, for errors from inside it
        try
        {
            // Repeated specs merge field by field, the last value winning, as protobuf merges messages.
            for (var tag = input.ReadTag(); tag != 0; fieldStart = input.Position, tag = input.ReadTag())
            {
                switch (tag)
                {
                    case ModelProtoTags.Pieces:
                        what = "piece";
                        pieces.Add(ParsePiece(Payload(input, bytes)));
                        break;

                    case ModelProtoTags.TrainerSpec:
                        {
                            what = "trainer_spec";
                            hasTrainerSpec = true;
                            var trainer = new EmbeddedMessageReader(Payload(input, bytes));
                            for (var t = trainer.ReadTag(); t != 0; t = trainer.ReadTag())
                            {
                                switch (t)
                                {
                                    case ModelProtoTags.ModelType: modelType = trainer.ReadInt32(); break;
                                    case ModelProtoTags.TreatWhitespaceAsSuffix: treatWhitespaceAsSuffix = trainer.ReadBool(); break;
                                    case ModelProtoTags.UnkSurface: unkSurface = trainer.ReadString(); break;
                                    case ModelProtoTags.ByteFallback: byteFallback = trainer.ReadBool(); break;
                                    case ModelProtoTags.UnkId: unkId = trainer.ReadInt32(); break;
                                    case ModelProtoTags.BosId: bosId = trainer.ReadInt32(); break;
                                    case ModelProtoTags.EosId: eosId = trainer.ReadInt32(); break;
                                    case ModelProtoTags.PadId: padId = trainer.ReadInt32(); break;
                                    default: trainer.SkipLastField(); break;
                                }
                            }

                            break;
                        }

                    case ModelProtoTags.NormalizerSpec:
                        {
                            what = "normalizer_spec";
                            hasNormalizerSpec = true;
                            var normalizer = new EmbeddedMessageReader(Payload(input, bytes));
                            for (var t = normalizer.ReadTag(); t != 0; t = normalizer.ReadTag())
                            {
                                switch (t)
                                {
                                    case ModelProtoTags.NormalizerName: normalizerName = normalizer.ReadString(); break;
                                    case ModelProtoTags.PrecompiledCharsMap: charsMap = normalizer.ReadBytes().ToArray(); break;
                                    case ModelProtoTags.AddDummyPrefix: addDummyPrefix = normalizer.ReadBool(); break;
                                    case ModelProtoTags.RemoveExtraWhitespaces: removeExtraWhitespaces = normalizer.ReadBool(); break;
                                    case ModelProtoTags.EscapeWhitespaces: escapeWhitespaces = normalizer.ReadBool(); break;
                                    default: normalizer.SkipLastField(); break;
                                }
                            }

                            break;
                        }

                    default:
                        what = "field";
                        input.SkipLastField();
                        break;
                }
            }
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new FormatException($"the field at byte {fieldStart}: {e.Message}", e);
        }
        catch (FormatException e)
        {
            // From inside a piece or spec; named only now, since a per-piece name would be garbage for every piece.
            var field = what == "piece" ? $"piece {pieces.Count}" : what;
            throw new FormatException($"{field} at byte {fieldStart}: {e.Message}", e);
        }

        string Fail(string what) => $"SentencePiece model '{source}' {what}.";

        if (pieces.Count == 0)
        {
            throw new SentencePieceModelException(Fail("holds no pieces; it is not a spiece.model file"));
        }

        // sentencepiece writes both specs after the pieces, so a file cut at a field boundary lacks them.
        if (!hasTrainerSpec || !hasNormalizerSpec)
        {
            var missing = hasTrainerSpec ? "normalizer_spec" : "trainer_spec";
            throw new SentencePieceModelException(Fail($"holds {pieces.Count} pieces but no {missing}; it is truncated or not a spiece.model file"));
        }

        if (modelType != 1)
        {
            var name = modelType switch { 2 => "BPE", 3 => "WORD", 4 => "CHAR", _ => $"type {modelType}" };
            throw new SentencePieceModelException(Fail($"is a {name} model; only unigram models (as umT5 uses) are supported"));
        }

        if (treatWhitespaceAsSuffix)
        {
            throw new SentencePieceModelException(Fail("sets treat_whitespace_as_suffix, which is not supported"));
        }

        var seen = new Dictionary<string, int>(pieces.Count, StringComparer.Ordinal);
        for (var id = 0; id < pieces.Count; id++)
        {
            var entry = pieces[id];
            if (!seen.TryAdd(entry.Piece, id))
            {
                throw new SentencePieceModelException(Fail($"holds piece '{entry.Piece}' twice (ids {seen[entry.Piece]} and {id})"));
            }

            if (entry.Type == SentencePieceType.Byte && !TryParseBytePiece(entry.Piece, out _))
            {
                throw new SentencePieceModelException(Fail($"has byte piece {id} '{entry.Piece}', which is not of the form <0xNN>"));
            }
        }

        if (unkId < 0 || unkId >= pieces.Count || pieces[unkId].Type != SentencePieceType.Unknown)
        {
            throw new SentencePieceModelException(Fail($"declares unk id {unkId}, which is not a piece of type UNKNOWN among its {pieces.Count} pieces"));
        }

        foreach (var (name, id) in new[] { ("bos", bosId), ("eos", eosId), ("pad", padId) })
        {
            if (id < -1 || id >= pieces.Count)
            {
                throw new SentencePieceModelException(Fail($"declares {name} id {id}, outside its {pieces.Count} pieces"));
            }
        }

        if (charsMap.Length > 0)
        {
            try
            {
                _ = new PrecompiledCharsMap(charsMap);
            }
            catch (FormatException e)
            {
                throw new SentencePieceModelException(Fail($"has a precompiled_charsmap that cannot be read: {e.Message}"), e);
            }
        }

        return new SentencePieceModel(
            source, [.. pieces], unkId, bosId, eosId, padId, byteFallback, unkSurface,
            normalizerName, charsMap, addDummyPrefix, removeExtraWhitespaces, escapeWhitespaces);
    }

    /// <summary>Parses <c>&lt;0xNN&gt;</c> (two upper-case hex digits) to its byte.</summary>
    internal static bool TryParseBytePiece(string piece, out byte value)
    {
        value = 0;
        return piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal) && piece[5] == '>'
            && byte.TryParse(piece.AsSpan(3, 2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out value);
    }

    /// <summary>The byte piece that spells <paramref name="value"/>, as sentencepiece writes it.</summary>
    internal static string BytePiece(byte value) => $"<0x{value:X2}>";

    internal static bool IsSpaceSymbol(string piece) => piece == SpaceSymbol;

    /// <summary>
    /// The payload of the length-delimited field whose tag <paramref name="input"/> has just read, as a slice of
    /// <paramref name="bytes"/> (which <paramref name="input"/> reads from the start): CodedInputStream checks the
    /// length and skips the payload without copying it, and the payload starts after the length's varint.
    /// </summary>
    private static ReadOnlySpan<byte> Payload(CodedInputStream input, byte[] bytes)
    {
        var start = (int)input.Position + 1;
        input.SkipLastField();
        while (bytes[start - 1] >= 0x80)
        {
            start++;
        }

        return bytes.AsSpan(start, (int)input.Position - start);
    }

    private static SentencePieceEntry ParsePiece(ReadOnlySpan<byte> payload)
    {
        string? piece = null;
        var score = 0f;
        var type = SentencePieceType.Normal;
        var input = new EmbeddedMessageReader(payload);
        for (var tag = input.ReadTag(); tag != 0; tag = input.ReadTag())
        {
            switch (tag)
            {
                case ModelProtoTags.PieceText: piece = input.ReadString(); break;
                case ModelProtoTags.PieceScore: score = input.ReadFloat(); break;
                case ModelProtoTags.PieceType:
                    {
                        var raw = input.ReadInt32();
                        if (raw is < 1 or > 6)
                        {
                            throw new FormatException($"its type {raw} is not a SentencePiece type");
                        }

                        type = (SentencePieceType)raw;
                        break;
                    }

                default: input.SkipLastField(); break;
            }
        }

        if (string.IsNullOrEmpty(piece))
        {
            throw new FormatException("it has no text");
        }

        return new SentencePieceEntry(piece, score, type);
    }
}
