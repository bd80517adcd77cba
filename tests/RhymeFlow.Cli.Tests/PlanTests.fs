module RhymeFlow.Cli.Tests.PlanTests

open System
open System.Buffers.Binary
open System.IO
open Xunit
open RhymeFlow.Core
open RhymeFlow.Cli.Tests.CliRunner

[<Fact>]
let ``the default rhymeflow plan has 21 full and 29 keyframe-only evaluations and a predicted speedup`` () =
    let code, stdout, _ =
        run [ "plan"; "--schedule"; "rhymeflow"; "--steps"; "50"; "--frames"; "21" ]

    Assert.Equal(0, code)
    Assert.Contains("21 full", stdout)
    Assert.Contains("29 keyframe-only", stdout)
    Assert.Matches(@"speedup\s+\d+\.\d\dx over dense", stdout)
    Assert.Contains("FFFFFFFFFF", stdout)

[<Fact>]
let ``given keyframes, the plan marks them and the mini geometry takes the requested frames`` () =
    let code, stdout, _ =
        run
            [
                "plan"
                "--keyframes"
                "0,5,10"
                "--keyframe-count"
                "3"
                "--frames"
                "11"
                "--geometry"
                "mini"
                "--steps"
                "20"
                "--warmup"
                "4"
            ]

    Assert.Equal(0, code)
    Assert.Contains("keyframes    0, 5, 10", stdout)
    Assert.Contains("(11 frames x 16 tokens", stdout)

[<Fact>]
let ``dense and fewer-steps plans have no keyframe-only evaluations`` () =
    let code, stdout, _ = run [ "plan"; "--schedule"; "dense"; "--steps"; "20" ]
    Assert.Equal(0, code)
    Assert.Contains("20: 20 full, 0 keyframe-only", stdout)
    Assert.Contains("1.00x", stdout)

    let code, stdout, _ =
        run [ "plan"; "--schedule"; "fewer-steps"; "--fewer"; "25"; "--steps"; "50" ]

    Assert.Equal(0, code)
    Assert.Contains("25: 25 full", stdout)
    Assert.Contains("2.00x", stdout)

[<Fact>]
let ``--png writes a PNG of the grid`` () =
    use dir = new TempDir()
    let png = dir.File "plan.png"
    let code, stdout, _ = run [ "plan"; "--png"; png ]
    Assert.Equal(0, code)
    Assert.Contains($"wrote {png}", stdout)
    let bytes = File.ReadAllBytes png
    Assert.Equal<byte>([| 0x89uy; 0x50uy; 0x4Euy; 0x47uy; 0x0Duy; 0x0Auy; 0x1Auy; 0x0Auy |], bytes[0..7])
    Assert.Equal("IHDR", Text.Encoding.ASCII.GetString(bytes, 12, 4))
    let width = BinaryPrimitives.ReadInt32BigEndian(ReadOnlySpan(bytes, 16, 4))
    let height = BinaryPrimitives.ReadInt32BigEndian(ReadOnlySpan(bytes, 20, 4))
    // 50 steps and 21 frames at 18 pixels a cell, plus labels and legend.
    Assert.InRange(width, 50 * 18, 50 * 18 + 200)
    Assert.InRange(height, 21 * 18, 21 * 18 + 200)
    Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"))

[<Fact>]
let ``--json writes a plan that round-trips through PlanView.FromJson`` () =
    use dir = new TempDir()
    let json = dir.File "plan.json"

    let code, _, _ =
        run [ "plan"; "--steps"; "30"; "--warmup"; "6"; "--frames"; "9"; "--json"; json ]

    Assert.Equal(0, code)
    let plan = PlanView.FromJson(File.ReadAllText json)
    let expected = Schedules.RhymeFlow(steps = 30, warmupSteps = 6).Compile 9
    Assert.Equal(expected.Render(), plan.Render())
    Assert.Equal(expected.ToJson(), plan.ToJson())
    Assert.Empty(Directory.GetFiles(dir.Path, ".*.tmp"))

[<Fact>]
let ``rhymeflow knobs change the plan`` () =
    let _, plain, _ = run [ "plan"; "--steps"; "30"; "--frames"; "9" ]

    let code, tuned, _ =
        run
            [
                "plan"
                "--steps"
                "30"
                "--frames"
                "9"
                "--min-skip"
                "2"
                "--max-skip"
                "2"
                "--projection"
                "foca"
                "--context"
                "keyframes-only"
                "--strategy"
                "uniform"
                "--solver"
                "euler"
                "--shift"
                "5"
            ]

    Assert.Equal(0, code)
    Assert.NotEqual<string>(plain, tuned)
    Assert.Contains("euler shift 5", tuned)

[<Theory>]
[<InlineData("--projection", "cubic", "linear-sigma, linear-timestep, foca, frozen")>]
[<InlineData("--context", "disk", "kv, hidden, hidden-host, projected, keyframes-only")>]
[<InlineData("--strategy", "best", "semantic, uniform, random, first, spread")>]
[<InlineData("--geometry",
             "sdxl",
             "wan2.1-1.3b@480p, wan2.1-1.3b@720p, wan2.1-14b@480p, wan2.1-14b@720p, mini, cogvideox1.5-5b, hunyuanvideo")>]
let ``a bad enum value is bad usage naming the flag and the allowed values``
    (flag: string, value: string, allowed: string)
    =
    let code, _, stderr = run [ "plan"; flag; value ]
    Assert.Equal(2, code)
    Assert.Contains($"{flag}: '{value}' is not allowed; expected one of {allowed}.", stderr)

[<Theory>]
[<InlineData("dense", "--warmup")>]
[<InlineData("dense", "--strategy")>]
[<InlineData("rhymeflow", "--fewer")>]
let ``a knob of another schedule is bad usage naming it`` (schedule: string, flag: string) =
    let value = if flag = "--strategy" then "uniform" else "3"
    let code, _, stderr = run [ "plan"; "--schedule"; schedule; flag; value ]
    Assert.Equal(2, code)
    Assert.Contains($"{flag} applies to the", stderr)

[<Fact>]
let ``out-of-range values are bad usage naming the flag`` () =
    let code, _, stderr = run [ "plan"; "--warmup"; "60" ]
    Assert.Equal(2, code)
    Assert.Contains("--warmup:", stderr)

    let code, _, stderr = run [ "plan"; "--frames"; "3"; "--keyframe-count"; "5" ]
    Assert.Equal(2, code)
    Assert.Contains("--keyframe-count:", stderr)

    let code, _, stderr = run [ "plan"; "--frames"; "5"; "--keyframes"; "0,9" ]
    Assert.Equal(2, code)
    Assert.Contains("--keyframes:", stderr)

[<Fact>]
let ``fewer-steps without --fewer is bad usage`` () =
    let code, _, stderr = run [ "plan"; "--schedule"; "fewer-steps" ]
    Assert.Equal(2, code)
    Assert.Contains("--fewer N", stderr)

[<Fact>]
let ``an unknown flag is bad usage naming it, without a stack trace`` () =
    let code, _, stderr = run [ "plan"; "--bogus" ]
    Assert.Equal(2, code)
    Assert.Contains("--bogus", stderr)
    Assert.DoesNotContain("   at ", stderr)

[<Fact>]
let ``a missing schedule file is bad usage naming it`` () =
    let code, _, stderr = run [ "plan"; "--schedule"; "missing.json" ]
    Assert.Equal(2, code)
    Assert.Contains("missing.json", stderr)

[<Fact>]
let ``--steps without --warmup scales the warm-up to a fifth of the steps`` () =
    let code, stdout, stderr = run [ "plan"; "--steps"; "20"; "--frames"; "9" ]
    Assert.True((code = 0), stderr)
    Assert.Contains("rhymeflow (warm-up 4,", stdout)

let private speedup (stdout: string) =
    let m = Text.RegularExpressions.Regex.Match(stdout, @"speedup\s+(\d+\.\d\d)x")
    Double.Parse(m.Groups[1].Value, Globalization.CultureInfo.InvariantCulture)

[<Fact>]
let ``a token reduction raises the predicted speedup and says how much attention it keeps`` () =
    let _, plain, _ = run [ "plan" ]
    let code, reduced, _ = run [ "plan"; "--q-ratio"; "0.5"; "--kv-ratio"; "0.3" ]
    Assert.Equal(0, code)
    Assert.Contains("asymrnr    35% of self-attention scores kept", reduced)
    Assert.True(speedup reduced > speedup plain, $"{speedup reduced} vs {speedup plain}")

    let code, hunyuan, _ =
        run [ "plan"; "--schedule"; "dense"; "--reduction"; "hunyuan" ]

    Assert.Equal(0, code)
    Assert.Contains("7% of self-attention scores kept", hunyuan)

[<Fact>]
let ``a reduction file written by the core is read back`` () =
    let path = Path.Combine(Path.GetTempPath(), $"reduction-{Guid.NewGuid():N}.json")

    try
        let spec =
            { Reduction.uniform
                  {
                      QueryRatio = 0.25
                      KeyValueRatio = 0.0
                  } with
                ReuseSteps = 5
            }

        File.WriteAllText(path, Json.writeReduction spec)
        let code, stdout, _ = run [ "plan"; "--reduction"; path ]
        Assert.Equal(0, code)
        Assert.Contains("75% of self-attention scores kept on average, matching every 5 steps", stdout)

        File.WriteAllText(path, (Json.writeReduction spec).Replace("\"reuseSteps\": 5", "\"reuseSteps\": 0"))
        let code, _, stderr = run [ "plan"; "--reduction"; path ]
        Assert.Equal(2, code)
        Assert.Contains($"--reduction {path}: reuseSteps = 0 is out of range: expected >= 1", stderr)
    finally
        File.Delete path

[<Theory>]
[<InlineData("--q-ratio", "0.9", "--q-ratio: rule.queryRatio = 0.9 is out of range: expected [0, 0.875] (stride 2x2x2)")>]
[<InlineData("--stride", "2x0x2", "--stride: stride.rows = 0 is out of range: expected >= 1")>]
[<InlineData("--stride", "2by2", "--stride: '2by2' is not FRAMESxROWSxCOLUMNS, e.g. 2x2x2.")>]
[<InlineData("--reduction", "most", "--reduction: 'most' is neither none, rule, hunyuan nor an existing JSON file.")>]
[<InlineData("--reuse-steps", "0", "--reuse-steps: reuseSteps = 0 is out of range: expected >= 1")>]
let ``bad reduction options are bad usage naming the flag`` (flag: string, value: string, message: string) =
    let reduction =
        if flag = "--reduction" then
            []
        else
            [ "--reduction"; "rule" ]

    let code, _, stderr = run ([ "plan"; flag; value ] @ reduction)
    Assert.Equal(2, code)
    Assert.Contains(message, stderr)

[<Fact>]
let ``rule knobs on a profiled or absent-rule reduction are bad usage`` () =
    let code, _, stderr = run [ "plan"; "--reduction"; "none"; "--q-ratio"; "0.3" ]

    Assert.Equal(2, code)
    Assert.Contains("--q-ratio applies to a rule reduction only; --reduction none is not one.", stderr)

[<Fact>]
let ``reduction settings without a reduction are bad usage`` () =
    let code, _, stderr = run [ "plan"; "--reuse-steps"; "5" ]
    Assert.Equal(2, code)
    Assert.Contains("--reuse-steps applies to a token reduction", stderr)

[<Theory>]
[<InlineData("hunyuanvideo", "euler shift 7 on 50 steps (linspace ladder)", "2.60x")>]
[<InlineData("cogvideox1.5-5b", "ddim shift 1 on 50 steps", "1.93x")>]
let ``a family's geometry plans on its sampler and prints the predicted speedup next to the paper's``
    (geometry: string, sampler: string, paper: string)
    =
    let code, stdout, stderr = run [ "plan"; "--geometry"; geometry ]
    Assert.True((code = 0), stderr)
    Assert.Contains(sampler, stdout)
    Assert.Contains("21 full, 29 keyframe-only", stdout)

    let speedup =
        Text.RegularExpressions.Regex.Match(stdout, @"speedup\s+(\d+\.\d\d)x over dense")

    Assert.True(speedup.Success, stdout)
    Assert.InRange(float speedup.Groups[1].Value, 1.6, 3.2)
    Assert.Contains($"paper      {paper} measured for the default schedule on {geometry}", stdout)

[<Theory>]
[<InlineData("hunyuanvideo")>]
[<InlineData("cogvideox1.5-5b")>]
let ``a token reduction on a joint-attention family is costed with its text tokens unreduced`` (preset: string) =
    let code, stdout, stderr =
        run [ "plan"; "--geometry"; preset; "--q-ratio"; "0.5"; "--kv-ratio"; "0.3" ]

    Assert.True((code = 0), stderr)
    Assert.Contains("of video-token self-attention scores (text tokens never reduced) kept", stdout)

    // The core's figures for the plan the verb printed: the default schedule on the family's sampler, its preview
    // keyframes and the same rule reduction.
    let geometry, sampling =
        match preset with
        | "hunyuanvideo" -> Cost.hunyuanVideo720p, Spec.hunyuanVideoSampling
        | _ -> Cost.cogVideoX15_5B, Spec.cogVideoXSampling

    let ok result =
        match result with
        | Ok value -> value
        | Error(e: ValidationError) -> failwith e.Message

    let spec =
        {
            Sampling = sampling
            Schedule = RhymeFlow Spec.defaultRhymeFlow
        }

    let plan = Plan.prepare spec geometry.Frames |> ok |> Plan.preview

    let reduction =
        Reduction.compile
            geometry.Layers
            (Spec.ladderSteps spec)
            { Reduction.none with
                Policy =
                    (Reduction.uniform
                        {
                            QueryRatio = 0.5
                            KeyValueRatio = 0.3
                        })
                        .Policy
            }
        |> ok

    let joint = ReductionCost.ofPlanWith JointAttention geometry plan reduction |> ok
    let crossAttention = ReductionCost.ofPlan geometry plan reduction |> ok
    let unreduced = Cost.ofPlanWith JointAttention geometry plan |> ok
    Assert.Equal(Math.Round(joint.Speedup, 2), speedup stdout)
    // The reduction still pays with the text unreduced, and the figure is not the cross-attention model's.
    Assert.True(joint.Speedup > unreduced.Speedup, $"{joint.Speedup} vs {unreduced.Speedup}")
    Assert.NotEqual(Math.Round(crossAttention.Speedup, 2), speedup stdout)
