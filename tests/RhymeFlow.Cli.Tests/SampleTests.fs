module RhymeFlow.Cli.Tests.SampleTests

open System.IO
open Xunit
open TorchSharp
open RhymeFlow.Host.Checkpoints
open RhymeFlow.Cli.Tests.CliRunner
open RhymeFlow.Cli.Tests.SampleSupport

let private model = wanTinyModel
let private inputs = wanTinyInputs


[<Fact>]
let ``dense unipc sampling reproduces the diffusers loop`` () =
    use dir = new TempDir()
    let out = dir.File "latents.safetensors"

    let code, stdout, _ =
        run (
            [ "sample" ]
            @ model
            @ inputs
            @ [
                "--schedule"
                "dense"
                "--solver"
                "unipc"
                "--shift"
                "3"
                "--steps"
                "10"
                "--guidance"
                "1"
                "--quiet"
                "--out"
                out
            ]
        )

    Assert.Equal(0, code)
    Assert.Contains("10 evaluations (10 full, 0 keyframe-only)", stdout)
    use written = SafetensorsFile.Open out
    use reference = SafetensorsFile.Open(fixture "schedulers-public.safetensors")
    use latents = written.Read "latents"
    use expected = reference.Read "loop_unipc_shift3_steps10_result"
    Assert.True(relativeError latents expected < 1e-4)

[<Fact>]
let ``the default schedule is rhymeflow and a schedule file round-trips`` () =
    use dir = new TempDir()
    let schedule = dir.File "schedule.json"

    File.WriteAllText(
        schedule,
        RhymeFlow.Core.Schedules
            .RhymeFlow(steps = 12, warmupSteps = 3, keyframes = 2, minSkip = 3, maxSkip = 4)
            .ToJson()
    )

    let code, stdout, _ =
        run (
            [ "sample" ]
            @ model
            @ inputs
            @ [
                "--schedule"
                schedule
                "--keyframes"
                "1,3"
                "--quiet"
                "--out"
                dir.File "a.safetensors"
            ]
        )

    Assert.Equal(0, code)
    Assert.Contains("12 evaluations", stdout)
    Assert.Contains("keyframe-only", stdout)

[<Fact>]
let ``a malformed tensor reference is bad usage`` () =
    use dir = new TempDir()

    let code, _, stderr =
        run (
            [ "sample" ]
            @ model
            @ [
                "--prompt-embeds"
                "no-colon"
                "--init-noise"
                "x:y"
                "--out"
                dir.File "o.safetensors"
            ]
        )

    Assert.Equal(2, code)
    Assert.Contains("--prompt-embeds: expected FILE.safetensors:TENSOR", stderr)

[<Fact>]
let ``an unknown solver is bad usage`` () =
    use dir = new TempDir()

    let code, _, stderr =
        run (
            [ "sample" ]
            @ model
            @ inputs
            @ [ "--solver"; "heun"; "--out"; dir.File "o.safetensors" ]
        )

    Assert.Equal(2, code)
    Assert.Contains("--solver: 'heun' is not a solver", stderr)

[<Fact>]
let ``rhymeflow knobs reach sample, and without a terminal each evaluation is one plain line`` () =
    use dir = new TempDir()

    let code, stdout, stderr =
        run (
            [ "sample" ]
            @ model
            @ inputs
            @ [
                "--steps"
                "8"
                "--warmup"
                "2"
                "--min-skip"
                "3"
                "--max-skip"
                "3"
                "--strategy"
                "uniform"
                "--guidance"
                "1"
                "--out"
                dir.File "o.safetensors"
            ]
        )

    Assert.Equal(0, code)
    Assert.Contains("8 evaluations (4 full, 4 keyframe-only)", stdout)
    Assert.Contains("[1/8] step 1/8 full", stderr)
    Assert.Contains("[8/8] step 8/8 active", stderr)

[<Fact>]
let ``a knob of another schedule is bad usage for sample too`` () =
    use dir = new TempDir()

    let code, _, stderr =
        run (
            [ "sample" ]
            @ model
            @ inputs
            @ [
                "--schedule"
                "dense"
                "--keyframe-count"
                "3"
                "--out"
                dir.File "o.safetensors"
            ]
        )

    Assert.Equal(2, code)
    Assert.Contains("--keyframe-count applies to the rhymeflow schedule only", stderr)

[<Theory>]
[<InlineData("--dtype|f8", "--dtype: 'f8' is not allowed; expected one of float32")>]
[<InlineData("--device|tpu", "--device: 'tpu' is not allowed; expected one of cpu, cuda")>]
let ``a bad dtype or device is bad usage naming the flag for sample`` (flag: string, message: string) =
    use dir = new TempDir()

    let code, _, stderr =
        run (
            [ "sample" ]
            @ model
            @ inputs
            @ [ "--out"; dir.File "o.safetensors" ]
            @ List.ofArray (flag.Split '|')
        )

    Assert.Equal(2, code)
    Assert.Contains(message, stderr)


[<Theory>]
[<InlineData("--guidance|0.5", "--guidance must be at least 1")>]
[<InlineData("--guidance|NaN", "--guidance must be at least 1")>]
[<InlineData("--schedule|dense|--keyframes|0,1", "--keyframes applies to the rhymeflow schedule only")>]
[<InlineData("--keyframes|0,999", "--keyframes")>]
[<InlineData("--keyframe-count|999", "--keyframe-count")>]
let ``sample checks guidance, keyframes and the plan before loading the model`` (flags: string, message: string) =
    use dir = new TempDir()

    let code, _, stderr =
        run (
            [ "sample" ]
            @ unloadableModel
            @ inputs
            @ [ "--quiet"; "--out"; dir.File "o.safetensors" ]
            @ List.ofArray (flags.Split '|')
        )

    Assert.Equal(2, code)
    Assert.Contains(message, stderr)

[<Fact>]
let ``a tensor of the wrong shape is bad usage naming the flag`` () =
    use dir = new TempDir()
    let file = fixture "schedulers-public.safetensors"

    let code, _, stderr =
        run (
            [ "sample" ]
            @ model
            @ [
                "--prompt-embeds"
                file + ":loop_noise"
                "--init-noise"
                file + ":loop_noise"
                "--quiet"
                "--out"
                dir.File "o.safetensors"
            ]
        )

    Assert.Equal(2, code)
    Assert.Contains("--prompt-embeds: the tensor has shape", stderr)

[<Fact>]
let ``sample creates the folder of --out`` () =
    use dir = new TempDir()
    let out = Path.Combine(dir.Path, "new", "folder", "latents.safetensors")

    let code, _, stderr =
        run (
            [ "sample" ]
            @ model
            @ inputs
            @ [
                "--schedule"
                "dense"
                "--steps"
                "2"
                "--guidance"
                "1"
                "--quiet"
                "--out"
                out
            ]
        )

    Assert.True((code = 0), stderr)
    use written = SafetensorsFile.Open out
    Assert.True(written.Contains "latents")

[<Fact>]
let ``sample --steps 8 scales the warm-up instead of failing on --warmup`` () =
    use dir = new TempDir()

    let code, stdout, stderr =
        run (
            [ "sample" ]
            @ model
            @ inputs
            @ [
                "--steps"
                "8"
                "--guidance"
                "1"
                "--quiet"
                "--out"
                dir.File "o.safetensors"
            ]
        )

    Assert.True((code = 0), stderr)
    Assert.DoesNotContain("--warmup", stderr)
    Assert.Contains("8 evaluations", stdout)

let private sampleWith (dir: TempDir) (name: string) (extra: string list) =
    let out = dir.File name

    let code, stdout, stderr =
        run (
            [ "sample" ]
            @ model
            @ inputs
            @ [
                "--schedule"
                "rhymeflow"
                "--steps"
                "10"
                "--keyframes"
                "0,3"
                "--quiet"
                "--out"
                out
            ]
            @ extra
        )

    Assert.True((code = 0), stderr)
    use file = SafetensorsFile.Open out
    file.Read "latents", stdout

[<Fact>]
let ``AsymRnR in sample: zero ratios are the plain run bit for bit, nonzero ratios stay close`` () =
    use dir = new TempDir()
    let plain, _ = sampleWith dir "plain.safetensors" []
    use plain = plain

    let zero, _ =
        sampleWith dir "zero.safetensors" [ "--q-ratio"; "0"; "--kv-ratio"; "0" ]

    use zero = zero
    Assert.True(plain.allclose (zero, 0.0, 0.0))

    let reduced, _ =
        sampleWith dir "reduced.safetensors" [ "--q-ratio"; "0.5"; "--kv-ratio"; "0.3"; "--reuse-steps"; "2" ]

    use reduced = reduced
    let relative = relativeError reduced plain
    Assert.False(plain.allclose (reduced, 0.0, 0.0))
    Assert.InRange(relative, 1e-6, 0.2)

[<Fact>]
let ``a profiled reduction for another block count is bad usage naming --reduction`` () =
    use dir = new TempDir()
    let path = dir.File "reduction.json"

    let tiers =
        RhymeFlow.Core.RedundancyTierTable.FromStatistics(
            2,
            Array.init 7 (fun b -> Array.init 4 (fun s -> float (b + s))),
            Array.init 7 (fun b -> Array.init 4 (fun s -> float (b * s))),
            Array.init 7 (fun b -> Array.init 4 (fun s -> float (b - s)))
        )

    File.WriteAllText(path, RhymeFlow.Core.TokenReductions.Profiled(tiers, [| 0.0; 0.5 |], [| 0.0; 0.3 |]).ToJson())

    let code, _, stderr =
        run (
            [ "sample" ]
            @ model
            @ inputs
            @ [ "--reduction"; path; "--out"; dir.File "x.safetensors" ]
        )

    Assert.Equal(2, code)
    Assert.Contains("--reduction: tiers.blocks = 7 is out of range: expected 2 (the model's blocks)", stderr)
