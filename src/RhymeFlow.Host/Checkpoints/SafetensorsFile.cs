using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Checkpoints;

/// <summary>
/// One memory-mapped <c>.safetensors</c> file. The header is validated completely on open; tensor data
/// is only touched by <see cref="Read"/>, which copies it into a new CPU tensor of the stored dtype.
/// </summary>
/// <remarks>Reads may run on several threads at once; dispose only after all of them finished.</remarks>
public sealed unsafe class SafetensorsFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly SafetensorsHeader _header;
    private readonly long _dataStart;
    private byte* _pointer;

    private SafetensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* pointer, SafetensorsHeader header, long dataStart)
    {
        Path = path;
        _map = map;
        _view = view;
        _pointer = pointer;
        _header = header;
        _dataStart = dataStart;
    }

    /// <summary>The full path of the file.</summary>
    public string Path { get; }

    /// <summary>The tensors in header order.</summary>
    public IReadOnlyList<TensorInfo> Tensors => _header.Entries.Select(e => e.Info).ToList();

    /// <summary>The tensor keys in header order.</summary>
    public IReadOnlyList<string> Keys => _header.Entries.Select(e => e.Info.Key).ToList();

    /// <summary>The <c>__metadata__</c> map; empty where the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata => _header.Metadata;

    /// <summary>Opens and validates <paramref name="path"/>.</summary>
    /// <exception cref="CheckpointException">The file is missing, truncated or its header is invalid.</exception>
    public static SafetensorsFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var fullPath = System.IO.Path.GetFullPath(path);
        long fileLength;
        try
        {
            fileLength = new FileInfo(fullPath).Length;
        }
        catch (Exception e) when (e is FileNotFoundException or IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException($"{fullPath}: cannot open the safetensors file: {e.Message}", e);
        }

        // Checked before mapping: a zero-length file cannot be mapped at all.
        if (fileLength < 8)
        {
            throw new CheckpointException($"{fullPath}: the file is {fileLength} bytes, too short for the 8-byte safetensors header length (truncated?).");
        }

        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        var acquired = false;
        try
        {
            map = MemoryMappedFile.CreateFromFile(fullPath, FileMode.Open, mapName: null, capacity: 0, MemoryMappedFileAccess.Read);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            acquired = true;
            pointer += view.PointerOffset;

            var header = ReadHeader(fullPath, pointer, fileLength, out var dataStart);
            return new SafetensorsFile(fullPath, map, view, pointer, header, dataStart);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Release(view, acquired, map);
            throw new CheckpointException($"{fullPath}: cannot map the safetensors file: {e.Message}", e);
        }
        catch
        {
            Release(view, acquired, map);
            throw;
        }
    }

    /// <summary>Whether the file declares <paramref name="key"/>.</summary>
    public bool Contains(string key) => _header.ByKey.ContainsKey(key);

    /// <summary>The declaration of <paramref name="key"/>.</summary>
    /// <exception cref="CheckpointException">The file does not declare <paramref name="key"/>.</exception>
    public TensorInfo GetInfo(string key) => Entry(key).Info;

    /// <summary>Copies the data of <paramref name="key"/> into a new CPU tensor of its stored dtype; the caller owns it.</summary>
    /// <exception cref="CheckpointException">The file does not declare <paramref name="key"/>.</exception>
    public Tensor Read(string key)
    {
        var entry = Entry(key);
        var pointer = _pointer;
        ObjectDisposedException.ThrowIf(pointer is null, this);
        return TensorBytes.Create(pointer + _dataStart + entry.Begin, entry.End - entry.Begin, entry.Info.ScalarType, [.. entry.Info.Shape]);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_pointer is null)
        {
            return;
        }

        _pointer = null;
        Release(_view, acquired: true, _map);
    }

    private SafetensorsEntry Entry(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _header.ByKey.TryGetValue(key, out var entry)
            ? entry
            : throw new CheckpointException($"{Path}: no tensor '{key}' in this file ({_header.Entries.Count} tensors).");
    }

    private static SafetensorsHeader ReadHeader(string path, byte* pointer, long fileLength, out long dataStart)
    {
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(pointer, 8));
        var available = (ulong)(fileLength - 8);
        if (headerLength > (ulong)SafetensorsHeader.MaxHeaderLength || headerLength > available)
        {
            throw new CheckpointException(
                $"{path}: the safetensors header length is {headerLength} bytes, but at most {Math.Min(available, (ulong)SafetensorsHeader.MaxHeaderLength)} are possible (file of {fileLength} bytes, limit {SafetensorsHeader.MaxHeaderLength}); the file is truncated or not safetensors.");
        }

        dataStart = 8 + (long)headerLength;

        // The header is bounded by the file and by the limit above, so this copy is safe to make.
        var json = new ReadOnlySpan<byte>(pointer + 8, (int)headerLength).ToArray();
        return SafetensorsHeader.Parse(json, fileLength - dataStart, path);
    }

    private static void Release(MemoryMappedViewAccessor? view, bool acquired, MemoryMappedFile? map)
    {
        if (view is not null)
        {
            if (acquired)
            {
                view.SafeMemoryMappedViewHandle.ReleasePointer();
            }

            view.Dispose();
        }

        map?.Dispose();
    }
}
