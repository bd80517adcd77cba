module RhymeFlow.Cli.Tests.GenerateTests

open System
open System.IO
open System.Text.Json
open Xunit
open RhymeFlow.Host.BuiltIn
open RhymeFlow.Host.Checkpoints
open RhymeFlow.Cli.Tests.CliRunner

/// An untrained tiny built-in package: only the wiring is tested here, not the quality.
let private tinyPackage (dir: TempDir) =
    let path = dir.File "tiny-package"
    use model = MiniModel.Create(MiniModelConfig.Tiny, seed = 1L)
    model.Save(path, TorchSharp.torch.ScalarType.Float32)
    path

let private caption = "a red circle moving right"

/// Image descriptors (0x2C) of a GIF, found by walking its blocks after the header, screen descriptor and colour
/// table; also the logical screen size.
let gifFrames (bytes: byte[]) =
    let width = int bytes[6] ||| (int bytes[7] <<< 8)
    let height = int bytes[8] ||| (int bytes[9] <<< 8)
    let packed = bytes[10]

    let mutable at =
        13
        + (if packed &&& 0x80uy <> 0uy then
               3 * (1 <<< (int (packed &&& 7uy) + 1))
           else
               0)

    let skipSubBlocks () =
        while bytes[at] <> 0uy do
            at <- at + int bytes[at] + 1

        at <- at + 1

    let mutable frames = 0
    let mutable fin = false

    while not fin do
        match bytes[at] with
        | 0x21uy ->
            at <- at + 2
            skipSubBlocks ()
        | 0x2Cuy ->
            frames <- frames + 1
            let local = bytes[at + 9]

            at <-
                at
                + 10
                + (if local &&& 0x80uy <> 0uy then
                       3 * (1 <<< (int (local &&& 7uy) + 1))
                   else
                       0)

            at <- at + 1
            skipSubBlocks ()
        | 0x3Buy -> fin <- true
        | other -> failwith $"unexpected GIF block 0x{other:X2} at {at}"

    width, height, frames

let private generate (dir: TempDir) (extra: string list) =
    let package = tinyPackage dir
    let out = dir.File "out"

    let result =
        run (
            [
                "generate"
                caption
                "--model"
                package
                "--steps"
                "4"
                "--out"
                out
                "--quiet"
            ]
            @ extra
        )

    result, out

let private json (path: string) =
    JsonDocument.Parse(File.ReadAllText path).RootElement

[<Fact>]
let ``generate writes the GIF, contact sheet, latents and reports`` () =
    use dir = new TempDir()
    let (code, stdout, stderr), out = generate dir []
    Assert.True((code = 0), stderr)
    Assert.Contains("wrote", stdout)

    let gif = File.ReadAllBytes(Path.Combine(out, "clip-seed0.gif"))
    Assert.Equal("GIF89a", Text.Encoding.ASCII.GetString(gif, 0, 6))
    let width, height, frames = gifFrames gif
    Assert.Equal((256, 256), (width, height))
    Assert.Equal(16, frames)

    let png = File.ReadAllBytes(Path.Combine(out, "contact-sheet.png"))
    Assert.Equal<byte[]>([| 0x89uy; byte 'P'; byte 'N'; byte 'G' |], png[0..3])
    Assert.True(File.Exists(Path.Combine(out, "plan.png")))

    use latents = SafetensorsFile.Open(Path.Combine(out, "latents.safetensors"))
    use tensor = latents.Read "latents"
    Assert.Equal<int64[]>([| 1L; 12L; 16L; 16L; 16L |], tensor.shape)

    let report = json (Path.Combine(out, "report.json"))
    Assert.Equal(caption, report.GetProperty("caption").GetString())
    Assert.True(report.GetProperty("keyframes").GetArrayLength() > 0)
    let clip = report.GetProperty("clips")[0]
    let adherence = clip.GetProperty("metrics").GetProperty("adherence").GetDouble()
    Assert.InRange(adherence, 0.0, 1.0)
    Assert.True(clip.GetProperty("keyframes").GetArrayLength() > 0)
    Assert.True(report.GetProperty("phases").GetArrayLength() >= 4)

    let md = File.ReadAllText(Path.Combine(out, "report.md"))
    Assert.Contains("keyframes chosen", md)
    Assert.Contains("adherence", md)
    Assert.Contains("plan.png", md)
    // Nothing half-written: no temporary files are left.
    Assert.Empty(Directory.GetFiles(out, "*.tmp*"))

[<Fact>]
let ``compare dense adds speedup, PSNR and SSIM`` () =
    use dir = new TempDir()
    let (code, _, stderr), out = generate dir [ "--compare"; "dense" ]
    Assert.True((code = 0), stderr)
    let report = json (Path.Combine(out, "report.json"))
    Assert.True(report.GetProperty("speedup").GetDouble() > 0.0)
    let clip = report.GetProperty("clips")[0]
    let compare = clip.GetProperty("compare")
    Assert.Equal(JsonValueKind.Number, compare.GetProperty("psnr_db").ValueKind)
    Assert.InRange(compare.GetProperty("ssim").GetDouble(), -1.0, 1.0)
    Assert.InRange(compare.GetProperty("dense_metrics").GetProperty("adherence").GetDouble(), 0.0, 1.0)
    let md = File.ReadAllText(Path.Combine(out, "report.md"))
    Assert.Contains("speedup over dense", md)
    Assert.Contains("PSNR dB", md)
    Assert.Contains("SSIM", md)

[<Fact>]
let ``AsymRnR composes with the schedule and is compared against the truly dense run`` () =
    use dir = new TempDir()

    let (code, _, stderr), out =
        generate dir [ "--compare"; "dense"; "--q-ratio"; "0.5"; "--kv-ratio"; "0.3" ]

    Assert.True((code = 0), stderr)
    let report = json (Path.Combine(out, "report.json"))
    Assert.StartsWith("asymrnr Q 0.5 / KV 0.3", report.GetProperty("reduction").GetString())
    let clip = report.GetProperty("clips")[0]
    let compare = clip.GetProperty("compare")
    Assert.InRange(compare.GetProperty("ssim").GetDouble(), -1.0, 1.0)
    Assert.Contains("- token reduction: asymrnr Q 0.5 / KV 0.3", File.ReadAllText(Path.Combine(out, "report.md")))

[<Fact>]
let ``batch 2 writes two clips`` () =
    use dir = new TempDir()

    let (code, _, stderr), out =
        generate dir [ "--batch"; "2"; "--seed"; "7"; "--schedule"; "dense" ]

    Assert.True((code = 0), stderr)
    Assert.True(File.Exists(Path.Combine(out, "clip-seed7.gif")))
    Assert.True(File.Exists(Path.Combine(out, "clip-seed8.gif")))
    use latents = SafetensorsFile.Open(Path.Combine(out, "latents.safetensors"))
    use tensor = latents.Read "latents"
    Assert.Equal(2L, tensor.shape[0])
    let report = json (Path.Combine(out, "report.json"))
    Assert.Equal(2, report.GetProperty("clips").GetArrayLength())

[<Fact>]
let ``batch 3 with max-batch 2 denoises the seeds in two runs and says so in the reports`` () =
    use dir = new TempDir()

    let (code, _, stderr), out =
        generate dir [ "--batch"; "3"; "--max-batch"; "2"; "--seed"; "7"; "--schedule"; "dense" ]

    Assert.True((code = 0), stderr)

    for seed in 7..9 do
        Assert.True(File.Exists(Path.Combine(out, $"clip-seed{seed}.gif")))

    let report = json (Path.Combine(out, "report.json"))
    Assert.Equal(2, report.GetProperty("max_batch").GetInt32())
    let clips = report.GetProperty("clips")
    Assert.Equal(3, clips.GetArrayLength())
    // The two clips of the first run share its time equally.
    Assert.Equal(clips[0].GetProperty("denoise_s").GetDouble(), clips[1].GetProperty("denoise_s").GetDouble())
    Assert.Contains("- batching: up to 2 clips per denoising run", File.ReadAllText(Path.Combine(out, "report.md")))

[<Fact>]
let ``without --model the shipped model generates with the default rhymeflow schedule at 30 steps`` () =
    use dir = new TempDir()
    let out = dir.File "out"

    let code, _, stderr = run [ "generate"; caption; "--out"; out; "--quiet" ]

    Assert.True((code = 0), stderr)
    Assert.True(File.Exists(Path.Combine(out, "clip-seed0.gif")))
    let report = File.ReadAllText(Path.Combine(out, "report.md"))
    Assert.Contains("rhymeflow, 30 steps, warm-up 6", report)

[<Fact>]
let ``an unknown word is a usage error listing the vocabulary`` () =
    let code, _, stderr = run [ "generate"; "a purple circle moving right" ]
    Assert.Equal(2, code)
    Assert.Contains("purple", stderr)
    Assert.Contains("vocabulary", stderr)
    Assert.Contains("magenta", stderr)

[<Theory>]
[<InlineData("--schedule|teacache", "TeaCache is a step cache on a dense schedule")>]
[<InlineData("--schedule|nonsense", "neither dense, rhymeflow, fewer-steps")>]
[<InlineData("--schedule|fewer-steps", "needs --fewer N")>]
[<InlineData("--schedule|dense|--warmup|2", "--warmup applies to the rhymeflow schedule only")>]
[<InlineData("--fewer|3", "--fewer applies to the fewer-steps schedule only")>]
[<InlineData("--solver|heun", "--solver: 'heun' is not a solver")>]
[<InlineData("--projection|cubic", "--projection: 'cubic' is not allowed")>]
[<InlineData("--context|disk", "--context: 'disk' is not allowed")>]
[<InlineData("--strategy|best", "--strategy: 'best' is not allowed")>]
[<InlineData("--warmup|60", "--warmup:")>]
[<InlineData("--keyframe-count|0", "--keyframe-count:")>]
[<InlineData("--min-skip|6|--max-skip|2", "skip")>]
[<InlineData("--compare|rhymeflow", "--compare: 'rhymeflow' is not supported")>]
[<InlineData("--guidance|0.5", "--guidance must be at least 1")>]
[<InlineData("--batch|0", "--batch must be at least 1")>]
[<InlineData("--max-batch|0", "--max-batch must be at least 1")>]
[<InlineData("--device|tpu", "--device: 'tpu' is not allowed")>]
[<InlineData("--dtype|f8", "--dtype: 'f8' is not allowed")>]
[<InlineData("--model|/no/such/package", "--model: no such folder")>]
[<InlineData("--prompt-embeds|e.safetensors", "not supported yet")>]
[<InlineData("--seed|abc", "--seed")>]
[<InlineData("--steps|x", "--steps")>]
let ``bad flags are usage errors`` (flags: string, message: string) =
    let code, _, stderr =
        run ([ "generate"; caption ] @ (flags.Split '|' |> List.ofArray))

    Assert.Equal(2, code)
    Assert.Contains(message, stderr)

[<Theory>]
[<InlineData("")>]
[<InlineData("""{ "_class_name": "WanTransformer3DModel" }""")>]
[<InlineData("""{ "format": "something-else" }""")>]
[<InlineData("not json")>]
let ``a --model folder that is neither a pipeline nor a built-in package is bad usage`` (config: string) =
    use dir = new TempDir()

    if config <> "" then
        File.WriteAllText(dir.File "config.json", config)

    let code, _, stderr =
        run [ "generate"; caption; "--model"; dir.Path; "--out"; dir.File "out"; "--quiet" ]

    Assert.Equal(2, code)
    Assert.Contains("--model: ", stderr)
    Assert.Contains("is neither a Wan 2.1 pipeline folder (no model_index.json) nor a built-in model package", stderr)
    Assert.False(Directory.Exists(dir.File "out"))

let private tinyClip () =
    RhymeFlow.Host.Media.VideoClip(2, 4, 4, ReadOnlySpan(Array.zeroCreate<float32>(3 * 2 * 4 * 4)))

[<Fact>]
let ``an ffmpeg that cannot start is an Error, not an exception`` () =
    use dir = new TempDir()

    match
        RhymeFlow.Cli.Commands.GenerateOutputs.writeMp4
            (dir.File "no-such-ffmpeg")
            1
            (dir.File "clip.mp4")
            (tinyClip ())
    with
    | Error message -> Assert.Contains("ffmpeg failed", message)
    | Ok _ -> failwith "expected an Error"

    Assert.False(File.Exists(dir.File "clip.mp4"))

[<Fact>]
let ``ffmpeg is run with -nostdin and its failure is an Error`` () =
    if not (OperatingSystem.IsWindows()) then
        use dir = new TempDir()
        let script = dir.File "ffmpeg"
        let arguments = dir.File "arguments.txt"
        File.WriteAllText(script, $"#!/bin/sh\necho \"$@\" > '{arguments}'\necho boom >&2\nexit 3\n")
        File.SetUnixFileMode(script, UnixFileMode.UserRead ||| UnixFileMode.UserWrite ||| UnixFileMode.UserExecute)

        match RhymeFlow.Cli.Commands.GenerateOutputs.writeMp4 script 1 (dir.File "clip.mp4") (tinyClip ()) with
        | Error message -> Assert.Contains("ffmpeg exited with 3: boom", message)
        | Ok _ -> failwith "expected an Error"

        Assert.StartsWith("-nostdin ", File.ReadAllText arguments)

[<Theory>]
[<InlineData("--cluster|http://localhost:6379", "expected redis://HOST:PORT")>]
[<InlineData("--cluster|redis://127.0.0.1:1|--compare|dense", "--compare does not apply to generate --cluster")>]
[<InlineData("--cluster|redis://127.0.0.1:1|--max-batch|2", "--max-batch does not apply to generate --cluster")>]
[<InlineData("--cluster|redis://127.0.0.1:1|--device|cpu", "--device does not apply to generate --cluster")>]
// --cache and --reduction run on the cluster, refused exactly as `generate` here refuses them.
[<InlineData("--cluster|redis://127.0.0.1:1|--cache|first-block|--schedule|rhymeflow",
             "--cache skips steps of a dense or fewer-steps schedule")>]
[<InlineData("--cluster|redis://127.0.0.1:1|--cache|magic", "--cache: 'magic' is not a step cache")>]
[<InlineData("--cluster|redis://127.0.0.1:1|--cache-threshold|0.1", "--cache-threshold applies to a step cache")>]
[<InlineData("--cluster|redis://127.0.0.1:1|--schedule|dense|--cache|teacache|--cache-threshold|-1",
             "--cache-threshold must be a finite number >= 0")>]
[<InlineData("--cluster|redis://127.0.0.1:1|--reduction|none|--q-ratio|0.4",
             "--q-ratio applies to a rule reduction only")>]
[<InlineData("--cluster|redis://127.0.0.1:1|--stride|2x2x2", "--stride applies to a token reduction")>]
[<InlineData("--cluster|redis://127.0.0.1:1|--reduction|nowhere.json",
             "--reduction: 'nowhere.json' is neither none, rule, hunyuan")>]
[<InlineData("--detach", "--detach needs --cluster redis://HOST:PORT")>]
[<InlineData("--results|jobs", "--results needs --cluster redis://HOST:PORT")>]
[<InlineData("--lease|3", "--lease needs --cluster redis://HOST:PORT")>]
let ``generate rejects a bad cluster combination before loading anything`` (flags: string) (expected: string) =
    use dir = new TempDir()

    let code, _, stderr =
        run (
            [ "generate"; caption; "--out"; dir.File "out" ]
            @ List.ofArray (flags.Split '|')
        )

    Assert.Equal(2, code)
    Assert.Contains(expected, stderr)
    Assert.False(Directory.Exists(dir.File "out"))

[<Fact>]
let ``generate --cluster takes a step cache and a reduction as far as the cluster`` () =
    // Past every usage check and the model's (its blocks for the reduction): the only failure left is Redis, exit 1.
    use dir = new TempDir()

    let code, _, stderr =
        run
            [
                "generate"
                caption
                "--out"
                dir.File "out"
                "--cluster"
                "redis://127.0.0.1:1"
                "--schedule"
                "dense"
                "--cache"
                "first-block"
                "--reduction"
                "rule"
                "--kv-ratio"
                "0.2"
            ]

    Assert.Equal(1, code)
    Assert.Contains("127.0.0.1:1", stderr)
    Assert.False(Directory.Exists(dir.File "out"))
