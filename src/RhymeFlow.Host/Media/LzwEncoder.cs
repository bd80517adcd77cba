namespace RhymeFlow.Host.Media;

/// <summary>GIF's variable-width LZW (codes of 9 to 12 bits for 8-bit pixels), packed least-significant bit first.</summary>
/// <remarks>
/// The code width grows once the next free code no longer fits, checked after each new entry, which is the same
/// moment a decoder (one entry behind) widens. When the table is full a clear code resets it.
/// </remarks>
internal static class LzwEncoder
{
    private const int MaxCode = 4095;

    public static byte[] Encode(ReadOnlySpan<byte> indices, int minimumCodeSize)
    {
        var clear = 1 << minimumCodeSize;
        var end = clear + 1;
        var writer = new BitWriter();
        var table = new Dictionary<int, int>();
        var codeSize = minimumCodeSize + 1;
        var next = end + 1;
        writer.Write(clear, codeSize);
        if (indices.IsEmpty)
        {
            writer.Write(end, codeSize);
            return writer.ToArray();
        }

        var current = (int)indices[0];
        for (var i = 1; i < indices.Length; i++)
        {
            var pixel = indices[i];
            var key = (current << 8) | pixel;
            if (table.TryGetValue(key, out var code))
            {
                current = code;
                continue;
            }

            writer.Write(current, codeSize);
            if (next <= MaxCode)
            {
                table[key] = next++;
                if (next > (1 << codeSize) && codeSize < 12)
                {
                    codeSize++;
                }
            }
            else
            {
                writer.Write(clear, codeSize);
                table.Clear();
                codeSize = minimumCodeSize + 1;
                next = end + 1;
            }

            current = pixel;
        }

        writer.Write(current, codeSize);
        writer.Write(end, codeSize);
        return writer.ToArray();
    }

    private sealed class BitWriter
    {
        private readonly List<byte> _bytes = [];
        private int _buffer;
        private int _bits;

        public void Write(int code, int width)
        {
            _buffer |= code << _bits;
            _bits += width;
            while (_bits >= 8)
            {
                _bytes.Add((byte)(_buffer & 0xFF));
                _buffer >>= 8;
                _bits -= 8;
            }
        }

        public byte[] ToArray()
        {
            if (_bits > 0)
            {
                _bytes.Add((byte)(_buffer & 0xFF));
                (_buffer, _bits) = (0, 0);
            }

            return [.. _bytes];
        }
    }
}
