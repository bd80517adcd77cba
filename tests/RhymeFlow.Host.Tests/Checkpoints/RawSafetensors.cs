using System.Buffers.Binary;
using System.Text;

namespace RhymeFlow.Host.Tests.Checkpoints;

/// <summary>Hand-made safetensors bytes, for files no correct writer would produce.</summary>
internal static class RawSafetensors
{
    public static byte[] Build(string header, int dataLength, ulong? declaredHeaderLength = null)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataLength];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredHeaderLength ?? (ulong)json.Length);
        json.CopyTo(bytes, 8);
        return bytes;
    }
}
