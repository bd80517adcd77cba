/// What `generate` writes, shared by the built-in and the Wan pipeline paths: GIF, MP4 (with ffmpeg), contact
/// sheet, plan picture and the report files. Every file is written to a temporary name and renamed.
module RhymeFlow.Cli.Commands.GenerateOutputs

open System
open System.Diagnostics
open System.IO
open System.Text.Json
open RhymeFlow.Host.BuiltIn
open RhymeFlow.Host.Checkpoints
open RhymeFlow.Host.Media

/// GIF and MP4 frames of the built-in model are upscaled this many times (32 → 256 pixels).
[<Literal>]
let ViewScale = 8

/// Frame delay of GIFs in hundredths of a second; MP4s use the same rate.
[<Literal>]
let FrameDelay = 8

/// The smallest width, in pixels, that a GIF or MP4 is upscaled to so that it is viewable.
[<Literal>]
let ViewableWidth = 256

/// The integer upscale factor that makes a clip `width` pixels wide at least `ViewableWidth` wide.
let viewScale (width: int) =
    max 1 ((ViewableWidth + width - 1) / width)

/// "A red circle, moving right!" → "a-red-circle-moving-right".
let slug (caption: string) =
    let chars =
        caption.ToLowerInvariant()
        |> Seq.map (fun c -> if Char.IsAsciiLetterOrDigit c then c else '-')
        |> Array.ofSeq

    let text = String(chars)

    let collapsed =
        text.Split('-', StringSplitOptions.RemoveEmptyEntries) |> String.concat "-"

    if collapsed = "" then "clip" else collapsed

/// The ffmpeg on PATH, if any.
let ffmpeg () =
    let path =
        Environment.GetEnvironmentVariable "PATH"
        |> Option.ofObj
        |> Option.defaultValue ""

    path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
    |> Array.map (fun dir -> Path.Combine(dir, "ffmpeg"))
    |> Array.tryFind File.Exists

/// Encodes the frames, upscaled `scale` times, with ffmpeg into a temporary file, then renames it; Error with the
/// reason otherwise, never an exception (an MP4 is a convenience: a broken ffmpeg must not fail a finished run).
let writeMp4 (ffmpeg: string) (scale: int) (path: string) (clip: VideoClip) =
    let mutable work = null

    let temporary =
        Path.Combine(
            Path.GetDirectoryName(Path.GetFullPath path),
            $".{Path.GetFileName path}.{Guid.NewGuid():N}.tmp.mp4"
        )

    try
        try
            work <- Directory.CreateTempSubdirectory("rhymeflow-mp4-").FullName

            for f in 0 .. clip.Frames - 1 do
                PngWriter.Write(Path.Combine(work, $"frame{f:D3}.png"), RgbImage.FromFrame(clip, f).Upscale scale)

            let info =
                ProcessStartInfo(
                    ffmpeg,
                    [
                        "-nostdin"
                        "-hide_banner"
                        "-loglevel"
                        "error"
                        "-y"
                        "-framerate"
                        string (100 / FrameDelay)
                        "-i"
                        Path.Combine(work, "frame%03d.png")
                        "-pix_fmt"
                        "yuv420p"
                        temporary
                    ],
                    RedirectStandardInput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false
                )

            use proc = Process.Start info
            // ffmpeg must never read the terminal (it would take keys meant for us, or wait for input).
            proc.StandardInput.Close()
            let errors = proc.StandardError.ReadToEnd()
            proc.WaitForExit()

            if proc.ExitCode = 0 then
                File.Move(temporary, path, true)
                Ok path
            else
                Error $"ffmpeg exited with {proc.ExitCode}: {errors.Trim()}"
        with e ->
            Error $"ffmpeg failed: {e.Message}"
    finally
        try
            if not (isNull work) then
                Directory.Delete(work, true)

            if File.Exists temporary then
                File.Delete temporary
        with _ ->
            ()

/// An MP4 named `name` in `out` when ffmpeg is on PATH; Error with the reason it was not written otherwise.
let tryWriteMp4 (ffmpegPath: string option) (scale: int) (out: string) (name: string) (clip: VideoClip) =
    match ffmpegPath with
    | None -> Error "skipped: ffmpeg is not on PATH"
    | Some ffmpeg ->
        writeMp4 ffmpeg scale (Path.Combine(out, name)) clip
        |> Result.map (fun _ -> name)

/// The report's line about MP4s: the first reason one was not written, or that they were.
let mp4Note (mp4s: Result<string, string> list) =
    match
        mp4s
        |> List.tryPick (fun m ->
            match m with
            | Error e -> Some e
            | Ok _ -> None)
    with
    | Some reason -> $"MP4: {reason}."
    | None -> "MP4: written with ffmpeg."

let seconds (span: TimeSpan) = Math.Round(span.TotalSeconds, 3)

/// report.json's serializer settings.
let jsonOptions =
    JsonSerializerOptions(
        WriteIndented = true,
        NumberHandling = Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals
    )

/// The Markdown table of phase timings.
/// Wall time of each named phase of a run, in the order they ran, for the report.
type PhaseTimes() =
    let phases = Collections.Generic.List<string * TimeSpan>()

    member _.All: (string * TimeSpan) seq = phases

    member _.Add(name: string, time: TimeSpan) = phases.Add(name, time)

    /// Runs `f` as the phase `name`.
    member _.Time(name: string, f: unit -> 'T) : 'T =
        let clock = Diagnostics.Stopwatch.StartNew()
        let result = f ()
        phases.Add(name, clock.Elapsed)
        result

let timingsTable (line: string -> unit) (phases: (string * TimeSpan) seq) =
    line "## Timings"
    line ""
    line "| phase | seconds |"
    line "|---|---:|"
    phases |> Seq.iter (fun (name, t) -> line $"| {name} | {t.TotalSeconds:F3} |")
    line ""

/// The built-in model's clips as `generate` writes them under `out`: one GIF each (clip-seedN.gif), one MP4 each
/// when ffmpeg is there, the contact sheet of `sheetClips` and latents.safetensors with every clip's space-to-depth
/// latents; returns the GIF names and the MP4 outcomes, clip by clip. Both the in-process and the cluster path write
/// through here, so the same clips give the same bytes.
let writeClips
    (out: string)
    (caption: string)
    (clips: (int64 * VideoClip) list)
    (sheetClips: VideoClip list)
    : string list * Result<string, string> list =
    let file name = Path.Combine(out, name)
    let ffmpegPath = ffmpeg ()

    let gifs =
        clips
        |> List.map (fun (seed, clip) ->
            let name = $"clip-seed{seed}.gif"
            GifWriter.Write(file name, clip, ViewScale, FrameDelay)
            name)

    let mp4s =
        clips
        |> List.map (fun (seed, clip) -> tryWriteMp4 ffmpegPath ViewScale out $"clip-seed{seed}.mp4" clip)

    PngWriter.Write(file "contact-sheet.png", ContactSheet.FromClips(Array.ofList sheetClips))

    let latents =
        clips
        |> List.map (fun (_, clip) ->
            use pixels = clip.ToTensor()
            use batch = pixels.unsqueeze 0
            SpaceToDepthCodec.Encode batch)

    try
        use stacked = TorchSharp.torch.cat (Array.ofList latents, 0L)

        SafetensorsWriter.Write(
            file "latents.safetensors",
            readOnlyDict [ "latents", stacked ],
            readOnlyDict
                [
                    "caption", caption
                    "seeds", (clips |> List.map (fst >> string) |> String.concat ",")
                    "layout", "[clips, 12, 16, 16, 16] space-to-depth latents of the clamped clips"
                ]
        )
    finally
        latents |> List.iter (fun t -> t.Dispose())

    gifs, mp4s
