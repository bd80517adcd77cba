module RhymeFlow.Cli.Tests.CacheTests

open System.IO
open Xunit
open RhymeFlow.Host.Checkpoints
open RhymeFlow.Cli.Tests.CliRunner

/// `sample` on the wan-tiny fixture: 10 dense UniPC steps with CFG, written to `out`.
let private sample (out: string) (extra: string list) =
    run (
        [ "sample" ]
        @ wanTinyModel
        @ wanTinyInputs
        @ [ "--schedule"; "dense"; "--steps"; "10"; "--quiet"; "--out"; out ]
        @ extra
    )

let private latentBytes (path: string) =
    use file = SafetensorsFile.Open path
    use latents = file.Read "latents"
    latents.bytes.ToArray()

[<Theory>]
[<InlineData("teacache")>]
[<InlineData("first-block")>]
let ``sample with a cache at threshold 0 writes the dense latents bit for bit`` (cache: string) =
    use dir = new TempDir()
    let dense = dir.File "dense.safetensors"
    let cached = dir.File "cached.safetensors"
    let code, _, stderr = sample dense []
    Assert.True((code = 0), stderr)

    let code, stdout, stderr =
        sample cached [ "--cache"; cache; "--cache-threshold"; "0" ]

    Assert.True((code = 0), stderr)
    Assert.Contains("blocks computed on 10 of 10 steps", stdout)
    Assert.Equal<byte[]>(latentBytes dense, latentBytes cached)

[<Fact>]
let ``sample with a huge TeaCache threshold computes the first and last steps only`` () =
    use dir = new TempDir()

    let code, stdout, stderr =
        sample (dir.File "out.safetensors") [ "--cache"; "teacache"; "--cache-threshold"; "1e9" ]

    Assert.True((code = 0), stderr)

    Assert.Contains(
        "step cache (teacache, threshold 1000000000): blocks computed on 2 of 10 steps (4 of 20 block evaluations)",
        stdout
    )

[<Fact>]
let ``generate on the built-in model reports what the first-block cache computed`` () =
    use dir = new TempDir()
    let out = dir.File "out"

    let code, stdout, stderr =
        run
            [
                "generate"
                "a red circle moving left slowly"
                "--schedule"
                "dense"
                "--steps"
                "4"
                "--cache"
                "first-block"
                "--out"
                out
                "--quiet"
            ]

    Assert.True((code = 0), stderr)
    Assert.Contains("step cache (first-block, threshold 0.05): blocks computed on", stdout)
    let report = File.ReadAllText(Path.Combine(out, "report.md"))
    Assert.Contains("- step cache: first-block, threshold 0.05; blocks computed on", report)
    Assert.Contains("\"cache\": \"first-block, threshold 0.05\"", File.ReadAllText(Path.Combine(out, "report.json")))

[<Fact>]
let ``bench times the cache as one more row`` () =
    let code, stdout, stderr =
        run
            [
                "bench"
                "--geometry"
                "tiny"
                "--frames"
                "5"
                "--height"
                "8"
                "--width"
                "8"
                "--steps"
                "6"
                "--device"
                "cpu"
                "--dtype"
                "f32"
                "--schedules"
                "dense"
                "--cache"
                "teacache"
                "--cache-threshold"
                "1e9"
            ]

    Assert.True((code = 0), stderr)
    Assert.Contains("dense + TeaCache (6 steps, threshold 1000000000)", stdout)
    Assert.Contains("dense + TeaCache: blocks computed on 2 of 6 steps", stdout)

[<Theory>]
[<InlineData("sample", "--cache|teacache", "--schedule rhymeflow is a keyframe schedule")>]
[<InlineData("sample", "--schedule|dense|--cache-threshold|0.1", "--cache-threshold applies to a step cache")>]
[<InlineData("sample", "--schedule|dense|--cache|magic", "--cache: 'magic' is not a step cache")>]
[<InlineData("sample",
             "--schedule|dense|--cache|teacache|--cache-threshold|-0.5",
             "--cache-threshold must be a finite number >= 0")>]
[<InlineData("sample",
             "--schedule|dense|--cache|first-block|--cache-threshold|NaN",
             "--cache-threshold must be a finite number >= 0")>]
[<InlineData("generate", "--cache|first-block", "--schedule rhymeflow is a keyframe schedule")>]
[<InlineData("generate", "--schedule|dense|--cache|none", "--cache: 'none' is not a step cache")>]
[<InlineData("bench", "--cache-threshold|0.2", "--cache-threshold applies to a step cache")>]
[<InlineData("bench", "--cache|first-block|--cache-threshold|-1", "--cache-threshold must be a finite number >= 0")>]
let ``bad cache flags are usage errors`` (verb: string, flags: string, message: string) =
    use dir = new TempDir()

    let args =
        match verb with
        | "sample" ->
            [ "sample" ]
            @ wanTinyModel
            @ wanTinyInputs
            @ [ "--out"; dir.File "x.safetensors" ]
        | "generate" -> [ "generate"; "a red circle moving left slowly"; "--out"; dir.File "out" ]
        | _ -> [ "bench"; "--geometry"; "tiny"; "--plan-only" ]

    let code, _, stderr = run (args @ List.ofArray (flags.Split '|'))
    Assert.Equal(2, code)
    Assert.Contains(message, stderr)
