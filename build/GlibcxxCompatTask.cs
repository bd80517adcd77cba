// Compiled by MSBuild's RoslynCodeTaskFactory; see GlibcxxCompat.targets for why it exists.
using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;

public class GlibcxxCompat : Microsoft.Build.Utilities.Task
{
    const string Version = "GLIBCXX_3.4.32";
    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;

    public string Directory { get; set; }
    public string ShimName { get; set; }
    public string ShimSource { get; set; }
    public string ShimVersionScript { get; set; }

    public override bool Execute()
    {
        var libraries = System.IO.Directory.EnumerateFiles(Directory, "libLibTorchSharp.so", SearchOption.AllDirectories).ToList();
        if (libraries.Count == 0 || HostHasVersion())
        {
            return true;
        }

        foreach (var library in libraries)
        {
            if (!MarkVersionWeak(library))
            {
                return false;
            }
        }

        return BuildShim(Path.Combine(Directory, ShimName));
    }

    static bool HostHasVersion()
    {
        var needle = Encoding.ASCII.GetBytes(Version + "\0");
        foreach (var candidate in LibstdcxxCandidates())
        {
            if (File.Exists(candidate))
            {
                return IndexOf(File.ReadAllBytes(candidate), needle) >= 0;
            }
        }

        // No libstdc++ found: patching is harmless, so err on the side of running.
        return false;
    }

    static string[] LibstdcxxCandidates()
    {
        var fromLdconfig = new string[0];
        try
        {
            var info = new ProcessStartInfo("/sbin/ldconfig", "-p") { RedirectStandardOutput = true, UseShellExecute = false };
            using var process = Process.Start(info);
            var text = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            fromLdconfig = text.Split('\n')
                .Where(line => line.Contains("libstdc++.so.6") && line.Contains("x86-64"))
                .Select(line => line.Substring(line.LastIndexOf("=> ", StringComparison.Ordinal) + 3).Trim())
                .ToArray();
        }
        catch (Exception)
        {
        }

        return fromLdconfig.Concat(new[]
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6",
            "/usr/lib/libstdc++.so.6",
        }).ToArray();
    }

    bool MarkVersionWeak(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[4] != 2 || bytes[5] != 1)
        {
            Log.LogError($"{path}: not a little-endian ELF64 shared library; cannot apply the {Version} fix.");
            return false;
        }

        long shoff = (long)BitConverter.ToUInt64(bytes, 0x28);
        int shentsize = BitConverter.ToUInt16(bytes, 0x3a);
        int shnum = BitConverter.ToUInt16(bytes, 0x3c);
        for (int s = 0; s < shnum; s++)
        {
            long header = shoff + (long)s * shentsize;
            if (BitConverter.ToUInt32(bytes, (int)header + 4) != ShtGnuVerneed)
            {
                continue;
            }

            long offset = (long)BitConverter.ToUInt64(bytes, (int)header + 0x18);
            int link = (int)BitConverter.ToUInt32(bytes, (int)header + 0x28);
            long strtab = (long)BitConverter.ToUInt64(bytes, (int)(shoff + (long)link * shentsize) + 0x18);
            bool changed = false, found = false;
            long verneed = offset;
            while (true)
            {
                int count = BitConverter.ToUInt16(bytes, (int)verneed + 2);
                long aux = verneed + BitConverter.ToUInt32(bytes, (int)verneed + 8);
                for (int a = 0; a < count; a++)
                {
                    long name = strtab + BitConverter.ToUInt32(bytes, (int)aux + 8);
                    if (ReadCString(bytes, name) == Version)
                    {
                        found = true;
                        ushort flags = BitConverter.ToUInt16(bytes, (int)aux + 4);
                        if ((flags & VerFlgWeak) == 0)
                        {
                            BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(bytes, (int)aux + 4);
                            changed = true;
                        }
                    }

                    aux += BitConverter.ToUInt32(bytes, (int)aux + 12);
                }

                uint next = BitConverter.ToUInt32(bytes, (int)verneed + 12);
                if (next == 0)
                {
                    break;
                }

                verneed += next;
            }

            if (changed)
            {
                // Write beside and rename: the output file may be a hard link into the NuGet cache.
                var temporary = path + ".patching";
                File.WriteAllBytes(temporary, bytes);
                File.Delete(path);
                File.Move(temporary, path);
                Log.LogMessage(MessageImportance.Normal, $"Marked {Version} weak in {path}");
            }
            else if (!found)
            {
                Log.LogMessage(MessageImportance.Low, $"{path} does not require {Version}");
            }

            return true;
        }

        return true;
    }

    bool BuildShim(string output)
    {
        if (File.Exists(output) && File.GetLastWriteTimeUtc(output) >= File.GetLastWriteTimeUtc(ShimSource))
        {
            return true;
        }

        var temporary = output + ".building";
        var arguments = $"-shared -fPIC -O2 -Wl,--version-script=\"{ShimVersionScript}\" -o \"{temporary}\" \"{ShimSource}\"";
        try
        {
            var info = new ProcessStartInfo("g++", arguments) { RedirectStandardError = true, UseShellExecute = false };
            using var process = Process.Start(info);
            var errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                Log.LogError($"g++ failed to build {ShimName} (needed because this system's libstdc++ lacks {Version}): {errors}");
                return false;
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Log.LogError($"This system's libstdc++ lacks {Version}, which TorchSharp 0.107 needs; building the compatibility shim needs g++ (e.g. 'apt-get install g++').");
            return false;
        }

        File.Delete(output);
        File.Move(temporary, output);
        Log.LogMessage(MessageImportance.Normal, $"Built {output}");
        return true;
    }

    static string ReadCString(byte[] bytes, long start)
    {
        long end = start;
        while (end < bytes.Length && bytes[end] != 0)
        {
            end++;
        }

        return Encoding.ASCII.GetString(bytes, (int)start, (int)(end - start));
    }

    static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j])
            {
                j++;
            }

            if (j == needle.Length)
            {
                return i;
            }
        }

        return -1;
    }
}
