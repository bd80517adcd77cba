module RhymeFlow.Cli.Tests.BenchTests

open System.IO
open Xunit
open RhymeFlow.Cli.Tests.CliRunner

/// A 2-layer, 32-wide transformer on 5 latent frames of 8x8 (4x4 tokens each), 6 steps: seconds on a CPU.
let private small =
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
        "--repeats"
        "1"
        "--device"
        "cpu"
        "--dtype"
        "f32"
    ]

[<Fact>]
let ``a small bench prints one table with every schedule and its ratio against dense`` () =
    use dir = new TempDir()
    let markdown = dir.File "bench.md"

    let code, stdout, stderr =
        run (
            small
            @ [ "--schedules"; "dense,rhymeflow,authors,fewer"; "--markdown"; markdown ]
        )

    Assert.True((code = 0), stderr)
    Assert.Contains("measured ratio vs dense", stdout)
    Assert.Contains("predicted ratio", stdout)

    let tableLine (start: string) =
        stdout.Split('\n') |> Array.tryFind (fun l -> l.StartsWith start)

    for row in
        [
            "dense (6 steps)"
            "RhymeFlow default"
            "RhymeFlow, authors' context"
            "fewer steps"
        ] do
        Assert.True((tableLine row).IsSome, $"no row {row} in\n{stdout}")

    // Dense against itself is 1.00x, measured in the same run.
    Assert.Matches(@"dense \(6 steps\)\s+6/0\s+\S+\s+\S+\s+1\.00x", stdout)
    Assert.Matches(@"fewer steps \(4 of 6 steps", stdout)
    let text = File.ReadAllText markdown
    Assert.Contains("| row |", text)
    Assert.Contains("rhymeflow bench", text)

[<Fact>]
let ``plan-only prints predicted ratios without building a model`` () =
    let code, stdout, _ = run (small @ [ "--plan-only" ])
    Assert.Equal(0, code)
    Assert.Contains("predicted ratio", stdout)
    Assert.Contains("fewer steps: n = round(6 /", stdout)

[<Theory>]
[<InlineData("--geometry|sd3", "--geometry: 'sd3' is not allowed")>]
[<InlineData("--model|3b", "--model must be")>]
[<InlineData("--schedules|dense,teacache", "--schedules takes a comma-separated subset")>]
[<InlineData("--dtype|f8", "--dtype: 'f8' is not allowed")>]
[<InlineData("--device|tpu", "--device: 'tpu' is not allowed")>]
[<InlineData("--frames|0", "--frames must be at least 1")>]
[<InlineData("--height|7", "multiples of the patch")>]
[<InlineData("--warmup|6", "--warmup must be below --steps")>]
[<InlineData("--keyframe-count|5", "--keyframe-count must be below the 5 latent frames")>]
[<InlineData("--min-skip|4|--max-skip|3", "--max-skip (3) must be at least --min-skip (4)")>]
[<InlineData("--guidance|0.5", "--guidance must be ≥ 1")>]
[<InlineData("--repeats|0", "≥ 1")>]
let ``bad flags are usage errors that name the flag`` (flag: string, message: string) =
    let code, _, stderr = run (small @ (flag.Split '|' |> List.ofArray))
    Assert.Equal(2, code)
    Assert.Contains(message, stderr)

/// `bench --family` on a clip of a few tokens, 5 steps, on the CPU: seconds, whatever the family.
let private tinyFamilyBench family frames extra =
    run (
        [
            "bench"
            "--family"
            family
            "--frames"
            frames
            "--height"
            "4"
            "--width"
            "4"
            "--text-len"
            "4"
            "--steps"
            "5"
            "--device"
            "cpu"
        ]
        @ extra
    )

[<Theory>]
// CogVideoX's plan frame is 2 latent frames: 6 of them are 3 plan frames, one more than the 2 keyframes.
[<InlineData("hunyuanvideo", "4", "HunyuanVideo (small, random weights): 6 blocks with self-attention")>]
[<InlineData("cogvideox1.5-5b", "6", "CogVideoX (small, random weights): 6 blocks with self-attention")>]
let ``bench --family times dense against the default schedule and prints measured against predicted``
    (family: string, frames: string, model: string)
    =
    let code, stdout, stderr = tinyFamilyBench family frames []

    Assert.True((code = 0), stderr)
    Assert.Contains(model, stdout)
    Assert.Matches(@"dense\s+5\s+5\s+0\s+\d+\.\d\d", stdout)
    Assert.Matches(@"rhymeflow\s+5\s+\d\s+[1-9]\s+\d+\.\d\d", stdout)
    Assert.Matches(@"measured \d+\.\d\dx, predicted \d+\.\d\dx \(cost model\), measured / predicted \d+\.\d\d", stdout)

/// One family's row of the table: evaluations, full, keyframe-only, median s, measured, predicted, context MiB.
let private familyRow (stdout: string) (key: string) =
    let m =
        System.Text.RegularExpressions.Regex.Match(
            stdout,
            $@"(?m)^{System.Text.RegularExpressions.Regex.Escape key}\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+\.\d\d)\s+(\d+\.\d\d)x\s+(\d+\.\d\d)x\s+(\d+\.\d\d\d)\s*$"
        )

    Assert.True(m.Success, $"no row {key} in\n{stdout}")
    let number (i: int) = float m.Groups[i].Value

    {|
        Evaluations = number 1
        Full = number 2
        Active = number 3
        Predicted = number 6
        Context = number 7
    |}

[<Theory>]
[<InlineData("hunyuanvideo", "4")>]
[<InlineData("cogvideox1.5-5b", "6")>]
let ``bench --family --schedules times every row, the hidden-state contexts among them``
    (family: string, frames: string)
    =
    let code, stdout, stderr =
        tinyFamilyBench
            family
            frames
            [
                "--schedules"
                "rhymeflow+asymrnr,hidden-host,foca,hidden,asymrnr,dense,rhymeflow"
            ]

    Assert.True((code = 0), stderr)
    let row = familyRow stdout
    let dense = row "dense"
    let kv = row "rhymeflow"
    let hidden = row "hidden"
    let host = row "hidden-host"

    // Dense holds no context and is 1.00x of itself; every other row runs the same keyframe plan as the default.
    Assert.Equal((5.0, 5.0, 0.0, 0.0), (dense.Evaluations, dense.Full, dense.Active, dense.Context))
    Assert.Equal(1.0, dense.Predicted)

    for other in [ hidden; host; row "foca"; row "rhymeflow+asymrnr" ] do
        Assert.Equal((kv.Evaluations, kv.Full, kv.Active), (other.Evaluations, other.Full, other.Active))

    Assert.Equal((5.0, 5.0, 0.0), ((row "asymrnr").Evaluations, (row "asymrnr").Full, (row "asymrnr").Active))

    // A hidden-state context holds one tensor per layer where K/V holds two, on the device or the host alike,
    // and the cost model charges its K/V recomputation: less predicted speedup than the K/V context.
    Assert.True(kv.Context > 0.0, stdout)
    Assert.InRange(hidden.Context, kv.Context / 2.0 - 0.002, kv.Context / 2.0 + 0.002)
    Assert.Equal(hidden.Context, host.Context)
    Assert.True(hidden.Predicted < kv.Predicted, stdout)
    Assert.Equal(hidden.Predicted, host.Predicted)

    // Table order, whatever order the rows were typed in.
    let at (key: string) = stdout.IndexOf("\n" + key + " ")

    let order =
        [
            "dense"
            "rhymeflow"
            "hidden"
            "hidden-host"
            "foca"
            "asymrnr"
            "rhymeflow+asymrnr"
        ]
        |> List.map at

    Assert.Equal<int list>(List.sort order, order)

[<Theory>]
[<InlineData("--family|mochi", "--family: 'mochi' is not allowed; expected one of cogvideox1.5-5b, hunyuanvideo")>]
[<InlineData("--family|hunyuanvideo|--schedules|dense,authors",
             "--schedules takes a comma-separated subset of dense,rhymeflow,hidden,hidden-host,foca,asymrnr,rhymeflow+asymrnr, got 'dense,authors' (unknown: authors)")>]
[<InlineData("--family|cogvideox1.5-5b|--schedules|rhymeflow,hidden",
             "--schedules must include dense (every speedup is measured against it), got 'rhymeflow,hidden'.")>]
[<InlineData("--family|hunyuanvideo|--cache|teacache",
             "--cache applies to the Wan loop benchmark only, not to --family hunyuanvideo")>]
[<InlineData("--family|cogvideox1.5-5b|--frames|7",
             "--frames: CogVideoX groups 2 latent frames into each plan frame (a temporal token), so the count must be a multiple of 2, got 7.")>]
[<InlineData("--family|hunyuanvideo|--height|3",
             "--height: HunyuanVideo patches the latent 2 x 2, so it must be a multiple of 2, got 3.")>]
let ``bad family bench flags are usage errors naming the flag or the family`` (flags: string, message: string) =
    let code, _, stderr = run ([ "bench" ] @ List.ofArray (flags.Split '|'))
    Assert.Equal(2, code)
    Assert.Contains(message, stderr)
