namespace RhymeFlow.Host.Text;

/// <summary>Protobuf wire types, as the encoding specification numbers them.</summary>
internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    StartGroup = 3,
    EndGroup = 4,
    Fixed32 = 5,
}

/// <summary>
/// A minimal protobuf wire-format reader over a byte span: field tags, varints, fixed 32/64-bit
/// values and length-delimited payloads. It throws <see cref="FormatException"/> with the byte
/// offset on truncated or malformed input; the caller adds the file name.
/// </summary>
internal ref struct ProtoReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly int _baseOffset;
    private int _position;

    public ProtoReader(ReadOnlySpan<byte> data, int baseOffset = 0)
    {
        _data = data;
        _baseOffset = baseOffset;
        _position = 0;
    }

    public readonly bool AtEnd => _position >= _data.Length;

    /// <summary>Offset of the next byte, counted from the start of the outermost message.</summary>
    public readonly int Offset => _baseOffset + _position;

    public (int Field, WireType Wire) ReadTag()
    {
        var start = Offset;
        var tag = ReadVarint();
        var field = tag >> 3;
        var wire = (WireType)(tag & 7);
        if (field == 0 || field > int.MaxValue)
        {
            throw new FormatException($"field number {field} at byte {start} is not valid");
        }

        if (wire is WireType.StartGroup or WireType.EndGroup || (int)wire > 5)
        {
            throw new FormatException($"wire type {(int)wire} of field {field} at byte {start} is not supported");
        }

        return ((int)field, wire);
    }

    public ulong ReadVarint()
    {
        var start = Offset;
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (_position >= _data.Length)
            {
                throw new FormatException($"truncated varint at byte {start}");
            }

            var b = _data[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw new FormatException($"varint at byte {start} is longer than 10 bytes");
    }

    public bool ReadBool() => ReadVarint() != 0;

    /// <summary>An <c>int32</c> field: negative values are sign-extended to ten bytes on the wire.</summary>
    public int ReadInt32() => unchecked((int)ReadVarint());

    public float ReadFloat()
    {
        var bytes = ReadFixed(4);
        return BitConverter.Int32BitsToSingle(System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes));
    }

    public ReadOnlySpan<byte> ReadLengthDelimited(out int payloadOffset)
    {
        var start = Offset;
        var length = ReadVarint();
        if (length > (ulong)(_data.Length - _position))
        {
            throw new FormatException($"length-delimited field at byte {start} declares {length} bytes, but only {_data.Length - _position} remain");
        }

        payloadOffset = Offset;
        var payload = _data.Slice(_position, (int)length);
        _position += (int)length;
        return payload;
    }

    public void Skip(WireType wire)
    {
        switch (wire)
        {
            case WireType.Varint:
                ReadVarint();
                break;
            case WireType.Fixed64:
                ReadFixed(8);
                break;
            case WireType.Fixed32:
                ReadFixed(4);
                break;
            case WireType.LengthDelimited:
                ReadLengthDelimited(out _);
                break;
            case WireType.StartGroup:
            case WireType.EndGroup:
            default:
                throw new FormatException($"wire type {(int)wire} at byte {Offset} is not supported");
        }
    }

    private ReadOnlySpan<byte> ReadFixed(int size)
    {
        if (_data.Length - _position < size)
        {
            throw new FormatException($"truncated {size * 8}-bit value at byte {Offset}");
        }

        var bytes = _data.Slice(_position, size);
        _position += size;
        return bytes;
    }
}
