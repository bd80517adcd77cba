using System.Buffers.Binary;
using System.Text;

namespace RhymeFlow.Host.Tests.Checkpoints;

/// <summary>Hand-made safetensors bytes, for files no correct writer would produce.</summary>
internal static class RawSafetensors
{
    public static byte[] Build(string header, int dataLength, ulong? declaredHeaderLength = null) =>
        Build(Encoding.UTF8.GetBytes(header), dataLength, declaredHeaderLength);

    public static byte[] Build(byte[] json, int dataLength, ulong? declaredHeaderLength = null)
    {
        var bytes = new byte[8 + json.Length + dataLength];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredHeaderLength ?? (ulong)json.Length);
        json.CopyTo(bytes, 8);
        return bytes;
    }
}
