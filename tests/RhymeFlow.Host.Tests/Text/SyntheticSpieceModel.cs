using System.Text;
using Google.Protobuf;
using RhymeFlow.Host.Text;

namespace RhymeFlow.Host.Tests.Text;

/// <summary>Writes small <c>ModelProto</c> files by hand, to test what the fixture model does not cover.</summary>
internal static class SyntheticSpieceModel
{
    /// <summary>
    /// A unigram model without a charsmap (identity normalization): pad 0, eos 1, unk 2, then the given
    /// pieces, with options for byte fallback (adds all 256 byte pieces) and the trainer's model type.
    /// </summary>
    public static byte[] Build(
        IEnumerable<(string Piece, float Score, SentencePieceType Type)> pieces,
        bool byteFallback = false,
        int modelType = 1,
        int unkId = 2,
        byte[]? charsMap = null)
    {
        var all = new List<(string, float, SentencePieceType)>
        {
            ("<pad>", 0f, SentencePieceType.Control),
            ("</s>", 0f, SentencePieceType.Control),
            ("<unk>", 0f, SentencePieceType.Unknown),
        };
        if (byteFallback)
        {
            all.AddRange(Enumerable.Range(0, 256).Select(b => ($"<0x{b:X2}>", 0f, SentencePieceType.Byte)));
        }

        all.AddRange(pieces);
        var model = new ProtoWriter();
        foreach (var (piece, score, type) in all)
        {
            var p = new ProtoWriter().String(1, piece).Float(2, score);
            if (type != SentencePieceType.Normal)
            {
                p.Varint(3, (ulong)type);
            }

            model.Message(1, p);
        }

        var trainer = new ProtoWriter()
            .Varint(3, (ulong)modelType)
            .Varint(4, (ulong)all.Count)
            .Varint(35, byteFallback ? 1UL : 0UL)
            .Varint(40, (ulong)unkId)
            .Varint(41, unchecked((ulong)-1L))
            .Varint(42, 1)
            .Varint(43, 0);
        model.Message(2, trainer);
        var normalizer = new ProtoWriter().String(1, charsMap is null ? "identity" : "custom");
        if (charsMap is not null)
        {
            normalizer.Bytes(2, charsMap);
        }

        model.Message(3, normalizer);
        return model.ToArray();
    }

    /// <summary>A fluent protobuf writer over <see cref="CodedOutputStream"/>: enough for <c>ModelProto</c>.</summary>
    public sealed class ProtoWriter
    {
        private readonly MemoryStream _bytes = new();
        private readonly CodedOutputStream _output;

        public ProtoWriter() => _output = new CodedOutputStream(_bytes, leaveOpen: true);

        public ProtoWriter Varint(int field, ulong value)
        {
            _output.WriteTag(field, WireFormat.WireType.Varint);
            _output.WriteUInt64(value);
            return this;
        }

        public ProtoWriter Float(int field, float value)
        {
            _output.WriteTag(field, WireFormat.WireType.Fixed32);
            _output.WriteFloat(value);
            return this;
        }

        public ProtoWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public ProtoWriter Bytes(int field, byte[] value)
        {
            _output.WriteTag(field, WireFormat.WireType.LengthDelimited);
            _output.WriteBytes(ByteString.CopyFrom(value));
            return this;
        }

        /// <summary>Bytes written as they are, e.g. fields of wire types this writer has no method for.</summary>
        public ProtoWriter Raw(byte[] bytes)
        {
            // CodedOutputStream keeps WriteRawBytes internal; past a flush, the stream takes them in order.
            _output.Flush();
            _bytes.Write(bytes);
            return this;
        }

        public ProtoWriter Message(int field, ProtoWriter message) => Bytes(field, message.ToArray());

        public byte[] ToArray()
        {
            _output.Flush();
            return _bytes.ToArray();
        }
    }
}
