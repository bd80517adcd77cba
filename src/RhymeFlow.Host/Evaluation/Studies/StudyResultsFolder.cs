using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using RhymeFlow.Core;
using RhymeFlow.Host.Media;

namespace RhymeFlow.Host.Evaluation.Studies;

/// <summary>
/// A study's results on disk, one small file per job key, every file written atomically (temporary file, then
/// rename), so a reader or a second run sees a whole file or none:
/// <list type="bullet">
/// <item><c>KEY.result.json</c>: the job's measurement or its deterministic error (<see cref="JobFiles.WriteResult"/>);</item>
/// <item><c>KEY.clip</c>: the clip of a judged (repeat-0) job, raw float32, which PSNR, SSIM and the contact sheet need;</item>
/// <item><c>KEY.vs.REFERENCE.json</c>: that clip compared with the reference row's clip.</item>
/// </list>
/// </summary>
/// <remarks>
/// Clips are kept as the generator's float32 values rather than PNG or GIF: 8-bit frames would change PSNR and SSIM,
/// and the job path must reproduce the in-process table bit for bit. A clip is written before its result, so a result
/// file promises its clip. A job with a result file counts as done: a resubmitted study skips it.
/// </remarks>
internal sealed class StudyResultsFolder
{
    private static readonly byte[] ClipMagic = "RFCLIP01"u8.ToArray();

    public StudyResultsFolder(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public string ResultPath(string key) => Path.Combine(Directory, key + ".result.json");

    public string ClipPath(string key) => Path.Combine(Directory, key + ".clip");

    public string ComparisonPath(string key, string reference) => Path.Combine(Directory, $"{key}.vs.{reference}.json");

    public bool HasResult(string key) => File.Exists(ResultPath(key));

    public JobResultRecord? ReadResult(string key) =>
        File.Exists(ResultPath(key)) ? JobResultRecord.FromJson(File.ReadAllText(ResultPath(key))) : null;

    public void WriteResult(StudyJob job, JobResultRecord result) => WriteText(ResultPath(job.Key), job.ToJson(result));

    /// <summary>Keeps what a job's run gave: the clip of a judged (repeat-0) job first, since a result file promises its clip, then the result.</summary>
    public void Write(StudyJob job, JobRun run)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(run);
        if (run.Video is { } video && job.Repeat == 0)
        {
            WriteClip(job.Key, video.Clip);
        }

        WriteResult(job, run.Result);
    }

    public JobComparisonRecord? ReadComparison(string key, string reference)
    {
        var path = ComparisonPath(key, reference);
        return File.Exists(path) ? JobComparisonRecord.FromJson(File.ReadAllText(path)) : null;
    }

    public void WriteComparison(JobComparisonRecord comparison) =>
        WriteText(ComparisonPath(comparison.Key, comparison.Reference), comparison.ToJson());

    public bool HasClip(string key) => File.Exists(ClipPath(key));

    /// <summary>Writes the clip: magic, frames, height, width (int32 little-endian), then the float32 values.</summary>
    public void WriteClip(string key, VideoClip clip)
    {
        ArgumentNullException.ThrowIfNull(clip);
        AtomicFile.Write(ClipPath(key), stream =>
        {
            Span<byte> header = stackalloc byte[ClipMagic.Length + 12];
            ClipMagic.CopyTo(header);
            BinaryPrimitives.WriteInt32LittleEndian(header[ClipMagic.Length..], clip.Frames);
            BinaryPrimitives.WriteInt32LittleEndian(header[(ClipMagic.Length + 4)..], clip.Height);
            BinaryPrimitives.WriteInt32LittleEndian(header[(ClipMagic.Length + 8)..], clip.Width);
            stream.Write(header);
            if (!BitConverter.IsLittleEndian)
            {
                throw new PlatformNotSupportedException("Clip files are little-endian float32.");
            }

            stream.Write(MemoryMarshal.AsBytes(clip.Values));
        });
    }

    public VideoClip ReadClip(string key)
    {
        var bytes = File.ReadAllBytes(ClipPath(key));
        var headerLength = ClipMagic.Length + 12;
        if (bytes.Length < headerLength || !bytes.AsSpan(0, ClipMagic.Length).SequenceEqual(ClipMagic))
        {
            throw new InvalidDataException($"{ClipPath(key)} is not a clip file.");
        }

        var frames = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(ClipMagic.Length));
        var height = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(ClipMagic.Length + 4));
        var width = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(ClipMagic.Length + 8));
        var values = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(headerLength)).ToArray();
        return VideoClip.Wrap(frames, height, width, values);
    }

    private static void WriteText(string path, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }
}
