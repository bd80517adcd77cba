using Google.Protobuf;

namespace RhymeFlow.Host.Text;

/// <summary>
/// The tags (field number and wire type) of the <c>sentencepiece_model.proto</c> fields this reader uses. A field
/// that arrives with another wire type does not match and is skipped, as protobuf treats it as unknown.
/// </summary>
internal static class ModelProtoTags
{
    private const uint Varint = (uint)WireFormat.WireType.Varint;
    private const uint Fixed32 = (uint)WireFormat.WireType.Fixed32;
    private const uint Bytes = (uint)WireFormat.WireType.LengthDelimited;

    // ModelProto
    public const uint Pieces = (1 << 3) | Bytes;
    public const uint TrainerSpec = (2 << 3) | Bytes;
    public const uint NormalizerSpec = (3 << 3) | Bytes;

    // ModelProto.SentencePiece
    public const uint PieceText = (1 << 3) | Bytes;
    public const uint PieceScore = (2 << 3) | Fixed32;
    public const uint PieceType = (3 << 3) | Varint;

    // TrainerSpec
    public const uint ModelType = (3 << 3) | Varint;
    public const uint TreatWhitespaceAsSuffix = (24 << 3) | Varint;
    public const uint UnkSurface = (28 << 3) | Bytes;
    public const uint ByteFallback = (35 << 3) | Varint;
    public const uint UnkId = (40 << 3) | Varint;
    public const uint BosId = (41 << 3) | Varint;
    public const uint EosId = (42 << 3) | Varint;
    public const uint PadId = (43 << 3) | Varint;

    // NormalizerSpec
    public const uint NormalizerName = (1 << 3) | Bytes;
    public const uint PrecompiledCharsMap = (2 << 3) | Bytes;
    public const uint AddDummyPrefix = (3 << 3) | Varint;
    public const uint RemoveExtraWhitespaces = (4 << 3) | Varint;
    public const uint EscapeWhitespaces = (5 << 3) | Varint;
}
