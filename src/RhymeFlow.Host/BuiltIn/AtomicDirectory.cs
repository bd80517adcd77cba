namespace RhymeFlow.Host.BuiltIn;

/// <summary>Writes a folder so that readers see the old complete folder or the new complete one, never a mix.</summary>
/// <remarks>
/// The content is written into a hidden sibling folder, which then replaces the target by renames: the old folder
/// is moved aside, the new one moved in, and the old one deleted. A crash between the two renames leaves the
/// previous version in the hidden <c>.NAME.old-*</c> sibling, never a half-written target.
/// <para>Top-level files of the old folder that the new content does not write (a model card, sample pictures) are
/// carried over, so rewriting a shipped package's weights keeps the documents beside them.</para>
/// </remarks>
internal static class AtomicDirectory
{
    public static void Write(string directory, Action<string> writeContent)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(writeContent);
        var target = Path.GetFullPath(directory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        var parent = Path.GetDirectoryName(target) ?? throw new ArgumentException($"'{directory}' has no parent folder.", nameof(directory));
        Directory.CreateDirectory(parent);
        var name = Path.GetFileName(target);
        var temp = Path.Combine(parent, $".{name}.tmp-{Guid.NewGuid():N}");
        var old = Path.Combine(parent, $".{name}.old-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            writeContent(temp);
            if (Directory.Exists(target))
            {
                foreach (var file in Directory.EnumerateFiles(target))
                {
                    var kept = Path.Combine(temp, Path.GetFileName(file));
                    if (!File.Exists(kept))
                    {
                        File.Copy(file, kept);
                    }
                }

                Directory.Move(target, old);
            }

            Directory.Move(temp, target);
        }
        catch
        {
            TryDelete(temp);
            if (!Directory.Exists(target) && Directory.Exists(old))
            {
                Directory.Move(old, target);
            }

            throw;
        }

        TryDelete(old);
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover hidden folder is harmless; the write itself succeeded or failed already.
        }
    }
}
