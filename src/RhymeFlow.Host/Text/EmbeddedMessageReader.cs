using System.Buffers.Binary;
using System.Text;

namespace RhymeFlow.Host.Text;

/// <summary>
/// Reads the fields of one embedded protobuf message (a piece or a spec of <c>ModelProto</c>) in place from the
/// model's bytes. A model holds hundreds of thousands of pieces, and Google.Protobuf would copy each one into a
/// ByteString and allocate a CodedInputStream over it: garbage of many times the file's size for a hostile file
/// of tiny pieces. Errors are <see cref="FormatException"/>s without context; the caller says which field failed.
/// </summary>
internal ref struct EmbeddedMessageReader(ReadOnlySpan<byte> payload)
{
    /// <summary>As Google.Protobuf's default recursion limit; only unknown groups nest.</summary>
    private const int MaxGroupDepth = 100;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _payload = payload;
    private int _at;
    private uint _lastTag;

    /// <summary>The next field's tag (field number and wire type), or 0 at the end of the message.</summary>
    public uint ReadTag()
    {
        if (_at == _payload.Length)
        {
            return _lastTag = 0;
        }

        var tag = ReadVarint();
        if (tag > uint.MaxValue || tag >> 3 == 0)
        {
            throw new FormatException($"tag {tag} holds no valid field number");
        }

        return _lastTag = (uint)tag;
    }

    /// <summary>An int32 or enum field; protobuf keeps the low 32 bits of the varint.</summary>
    public int ReadInt32() => (int)ReadVarint();

    public bool ReadBool() => ReadVarint() != 0;

    public float ReadFloat() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

    /// <summary>A bytes field, as a slice of the model's bytes.</summary>
    public ReadOnlySpan<byte> ReadBytes()
    {
        var length = ReadVarint();
        return length <= (ulong)(_payload.Length - _at)
            ? Take((int)length)
            : throw new FormatException($"a length of {length} bytes runs past the end of the message ({_payload.Length - _at} bytes left)");
    }

    /// <summary>A string field, decoded strictly: protobuf's own reader would replace invalid UTF-8 silently.</summary>
    public string ReadString()
    {
        var bytes = ReadBytes();
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new FormatException("a string is not valid UTF-8", e);
        }
    }

    /// <summary>Skips the field whose tag <see cref="ReadTag"/> returned last, as protobuf skips unknown fields.</summary>
    public void SkipLastField() => Skip(_lastTag, depth: 0);

    private void Skip(uint tag, int depth)
    {
        switch (tag & 7)
        {
            case 0:
                _ = ReadVarint();
                break;
            case 1:
                _ = Take(8);
                break;
            case 2:
                _ = ReadBytes();
                break;
            case 3:
                SkipGroup(tag, depth + 1);
                break;
            case 5:
                _ = Take(4);
                break;
            default:
                throw new FormatException(tag == 0 ? "there is no field to skip" : $"field {tag >> 3} has wire type {tag & 7}, which is no field's start");
        }
    }

    private void SkipGroup(uint start, int depth)
    {
        if (depth > MaxGroupDepth)
        {
            throw new FormatException($"groups are nested more than {MaxGroupDepth} deep");
        }

        for (var tag = ReadTag(); ; tag = ReadTag())
        {
            if (tag == 0)
            {
                throw new FormatException($"group {start >> 3} has no end");
            }

            if ((tag & 7) == 4)
            {
                if (tag >> 3 != start >> 3)
                {
                    throw new FormatException($"group {start >> 3} ends with the end of group {tag >> 3}");
                }

                return;
            }

            Skip(tag, depth);
        }
    }

    private ulong ReadVarint()
    {
        ulong value = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var b = Take(1)[0];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new FormatException("a varint is longer than 10 bytes");
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _payload.Length - _at)
        {
            throw new FormatException($"the message ends inside a field ({count} bytes needed, {_payload.Length - _at} left)");
        }

        var taken = _payload.Slice(_at, count);
        _at += count;
        return taken;
    }
}
