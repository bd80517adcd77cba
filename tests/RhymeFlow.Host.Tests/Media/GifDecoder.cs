namespace RhymeFlow.Host.Tests.Media;

/// <summary>A small GIF89a reader for the tests: global table, full frames, the extensions GifWriter writes.</summary>
internal static class GifDecoder
{
    public sealed record Gif(int Width, int Height, List<byte[]> Frames, List<int> Delays, bool LoopsForever);

    public static Gif Decode(byte[] gif)
    {
        var width = gif[6] | (gif[7] << 8);
        var height = gif[8] | (gif[9] << 8);
        Assert.Equal(0xF7, gif[10]);
        var table = gif.AsSpan(13, 768).ToArray();
        var position = 13 + 768;
        var frames = new List<byte[]>();
        var delays = new List<int>();
        var loops = false;
        while (true)
        {
            var marker = gif[position++];
            if (marker == 0x3B)
            {
                Assert.Equal(gif.Length, position);
                return new Gif(width, height, frames, delays, loops);
            }

            if (marker == 0x21)
            {
                var label = gif[position++];
                var blocks = ReadSubBlocks(gif, ref position);
                if (label == 0xF9)
                {
                    delays.Add(blocks[1] | (blocks[2] << 8));
                }
                else if (label == 0xFF)
                {
                    loops = System.Text.Encoding.ASCII.GetString(blocks, 0, 11) == "NETSCAPE2.0" && blocks[11] == 1 && blocks[12] == 0 && blocks[13] == 0;
                }

                continue;
            }

            Assert.Equal(0x2C, marker);
            Assert.Equal((0, 0, width, height), (gif[position] | (gif[position + 1] << 8), gif[position + 2] | (gif[position + 3] << 8), gif[position + 4] | (gif[position + 5] << 8), gif[position + 6] | (gif[position + 7] << 8)));
            position += 9;
            var minimumCodeSize = gif[position++];
            var indices = Lzw(ReadSubBlocks(gif, ref position), minimumCodeSize, width * height);
            frames.Add(indices.SelectMany(i => new[] { table[3 * i], table[(3 * i) + 1], table[(3 * i) + 2] }).ToArray());
        }
    }

    private static byte[] ReadSubBlocks(byte[] gif, ref int position)
    {
        var data = new List<byte>();
        for (int length; (length = gif[position++]) != 0; position += length)
        {
            data.AddRange(gif.AsSpan(position, length).ToArray());
        }

        return [.. data];
    }

    private static byte[] Lzw(byte[] data, int minimumCodeSize, int pixels)
    {
        var clear = 1 << minimumCodeSize;
        var end = clear + 1;
        var output = new List<byte>(pixels);
        var dictionary = new List<byte[]>();
        int codeSize = 0, bitPosition = 0;
        byte[]? previous = null;
        void Reset()
        {
            dictionary = Enumerable.Range(0, end + 1).Select(i => new[] { (byte)i }).ToList();
            codeSize = minimumCodeSize + 1;
            previous = null;
        }

        Reset();
        while (true)
        {
            var code = 0;
            for (var bit = 0; bit < codeSize; bit++, bitPosition++)
            {
                code |= ((data[bitPosition >> 3] >> (bitPosition & 7)) & 1) << bit;
            }

            if (code == clear)
            {
                Reset();
                continue;
            }

            if (code == end)
            {
                Assert.Equal(pixels, output.Count);
                return [.. output];
            }

            byte[] entry;
            if (code < dictionary.Count)
            {
                entry = dictionary[code];
                if (previous is not null && dictionary.Count < 4096)
                {
                    dictionary.Add([.. previous, entry[0]]);
                }
            }
            else
            {
                Assert.Equal(dictionary.Count, code);
                Assert.NotNull(previous);
                entry = [.. previous, previous[0]];
                dictionary.Add(entry);
            }

            output.AddRange(entry);
            previous = entry;
            if (dictionary.Count == (1 << codeSize) && codeSize < 12)
            {
                codeSize++;
            }
        }
    }
}
