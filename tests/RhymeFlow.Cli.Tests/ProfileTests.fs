module RhymeFlow.Cli.Tests.ProfileTests

open System
open System.Globalization
open System.IO
open Xunit
open RhymeFlow.Core
open RhymeFlow.Host.Checkpoints
open RhymeFlow.Cli.Tests.CliRunner

let private model = wanTinyModel
let private inputs = wanTinyInputs

let private profile (extra: string list) =
    run ([ "profile" ] @ model @ inputs @ extra)

let private ok result =
    match result with
    | Ok value -> value
    | Error(e: ValidationError) -> failwith e.Message

[<Fact>]
let ``profile writes the tiers, the statistics and a profiled reduction that read back`` () =
    use dir = new TempDir()
    let out = dir.File "profile"

    let code, stdout, stderr = profile [ "--steps"; "6"; "--out"; out ]

    Assert.True((code = 0), stderr)
    Assert.Contains("profile [6/6] step 6/6 full", stderr)
    Assert.Matches(@"queries\s+mean \d\.\d{4}", stdout)
    Assert.Contains("tiers 0:", stdout)
    Assert.Contains("(2 blocks x 6 steps, 3 levels)", stdout)

    let tiers =
        File.ReadAllText(Path.Combine(out, "tiers.json")) |> Json.readTiers |> ok

    Assert.Equal(3, tiers.Levels)
    Assert.Equal(2, tiers.QueryTiers.Length)
    Assert.All(tiers.ValueTiers, (fun row -> Assert.Equal(6, row.Length)))

    let reduction =
        File.ReadAllText(Path.Combine(out, "reduction.json"))
        |> Json.readReduction
        |> ok

    match reduction.Policy with
    | Profiled(written, ratios) ->
        Assert.Equal(tiers, written)
        Assert.Equal<float list>([ 0.0; 0.3; 0.5 ], ratios.QueryByTier)
        Assert.Equal<float list>([ 0.0; 0.15; 0.3 ], ratios.KeyValueByTier)
    | other -> failwith $"expected a profiled policy, got {other}"

    Assert.Equal(3, reduction.ReuseSteps)
    Reduction.compile 2 6 reduction |> ok |> ignore

    let lines = File.ReadAllLines(Path.Combine(out, "statistics.csv"))
    Assert.Equal("feature,block,step,value", lines[0])
    Assert.Equal(1 + 3 * 2 * 6, lines.Length)

    Assert.All(
        lines[1..],
        fun line ->
            let value = Double.Parse(line.Split(',')[3], CultureInfo.InvariantCulture)
            Assert.InRange(value, -1.0, 1.0)
    )

    Assert.Empty(Directory.GetFiles(out, "*.tmp"))

    // The file is a --reduction file; the fixture's 2 blocks do not fit any plan geometry, and plan says so.
    let planCode, _, planError =
        run
            [
                "plan"
                "--reduction"
                Path.Combine(out, "reduction.json")
                "--geometry"
                "mini"
            ]

    Assert.Equal(2, planCode)
    Assert.Contains("tiers.blocks = 2", planError)

[<Fact>]
let ``custom levels, ratios and quiet`` () =
    use dir = new TempDir()

    let code, stdout, stderr =
        profile
            [
                "--steps"
                "4"
                "--guidance"
                "1"
                "--levels"
                "2"
                "--query-ratios"
                "0.1,0.6"
                "--kv-ratios"
                "0,0.2"
                "--reuse-steps"
                "2"
                "--quiet"
                "--out"
                dir.Path
            ]

    Assert.True((code = 0), stderr)
    Assert.Equal("", stderr)
    Assert.Contains("2 levels", stdout)

    let reduction =
        File.ReadAllText(dir.File "reduction.json") |> Json.readReduction |> ok

    Assert.Equal(2, reduction.ReuseSteps)

    match reduction.Policy with
    | Profiled(tiers, ratios) ->
        Assert.Equal(2, tiers.Levels)
        Assert.Equal<float list>([ 0.1; 0.6 ], ratios.QueryByTier)
    | other -> failwith $"expected a profiled policy, got {other}"

[<Theory>]
[<InlineData("--levels", "0", "--levels must be at least 1")>]
[<InlineData("--query-ratios", "0,0.5", "--query-ratios: expected 3 ratios")>]
[<InlineData("--kv-ratios", "0,x,0.3", "--kv-ratios: 'x' is not a ratio")>]
[<InlineData("--query-ratios", "0,0.3,0.95", "--query-ratios")>]
[<InlineData("--reuse-steps", "0", "--reuse-steps")>]
[<InlineData("--stride", "2x2", "--stride")>]
[<InlineData("--steps", "0", "--steps")>]
[<InlineData("--guidance", "0.5", "--guidance")>]
let ``bad options exit 2 naming the flag`` (flag: string, value: string, message: string) =
    use dir = new TempDir()
    let code, _, stderr = profile [ flag; value; "--out"; dir.Path ]
    Assert.Equal(2, code)
    Assert.Contains(message, stderr)
    Assert.Empty(Directory.GetFiles dir.Path)

[<Fact>]
let ``other levels need their ratios and --out must be a folder`` () =
    use dir = new TempDir()
    let code, _, stderr = profile [ "--levels"; "4"; "--out"; dir.Path ]
    Assert.Equal(2, code)
    Assert.Contains("--query-ratios: --levels 4 needs 4 ratios", stderr)

    let file = dir.File "taken"
    File.WriteAllText(file, "")
    let code, _, stderr = profile [ "--out"; file ]
    Assert.Equal(2, code)
    Assert.Contains("--out:", stderr)

[<Fact>]
let ``a built-in package is profiled on a caption and its reduction drives generate`` () =
    use dir = new TempDir()
    let package = dir.File "tiny-package"

    do
        use tiny =
            RhymeFlow.Host.BuiltIn.MiniModel.Create(RhymeFlow.Host.BuiltIn.MiniModelConfig.Tiny, seed = 1L)

        tiny.Save(package, TorchSharp.torch.ScalarType.Float32)

    let out = dir.File "profile"

    let code, _, stderr =
        run
            [
                "profile"
                "a red circle moving right"
                "--model"
                package
                "--steps"
                "4"
                "--quiet"
                "--out"
                out
            ]

    Assert.True((code = 0), stderr)

    let reduction =
        Json.readReduction (File.ReadAllText(Path.Combine(out, "reduction.json"))) |> ok

    match reduction.Policy with
    | Profiled(tiers, _) -> Assert.Equal(4, tiers.QueryTiers.Head.Length)
    | other -> failwith $"expected a profiled policy, got {other}"

    let code, _, stderr =
        run
            [
                "generate"
                "a red circle moving right"
                "--model"
                package
                "--steps"
                "4"
                "--reduction"
                Path.Combine(out, "reduction.json")
                "--quiet"
                "--out"
                dir.File "clip"
            ]

    Assert.True((code = 0), stderr)
    Assert.Contains("asymrnr profiled (3 tiers)", File.ReadAllText(Path.Combine(dir.File "clip", "report.md")))

[<Fact>]
let ``a caption without a built-in package is bad usage`` () =
    use dir = new TempDir()
    let code, _, stderr = profile [ "a red circle moving right"; "--out"; dir.File "p" ]
    Assert.Equal(2, code)
    Assert.Contains("a caption needs a built-in model package as --model", stderr)

/// A family's profile: every block of the family (HunyuanVideo: dual- and single-stream) at every step, one reduction
/// that compiles for that many blocks.
let private checkFamilyProfile (out: string) (blocks: int) (steps: int) =
    let tiers =
        File.ReadAllText(Path.Combine(out, "tiers.json")) |> Json.readTiers |> ok

    Assert.Equal(blocks, tiers.QueryTiers.Length)
    Assert.All(tiers.KeyTiers, (fun row -> Assert.Equal(steps, row.Length)))

    let reduction =
        File.ReadAllText(Path.Combine(out, "reduction.json"))
        |> Json.readReduction
        |> ok

    Reduction.compile blocks steps reduction |> ok |> ignore
    let lines = File.ReadAllLines(Path.Combine(out, "statistics.csv"))
    Assert.Equal(1 + 3 * blocks * steps, lines.Length)

    let values =
        lines[1..]
        |> Array.map (fun line -> Double.Parse(line.Split(',')[3], CultureInfo.InvariantCulture))

    Assert.All(values, (fun value -> Assert.InRange(value, -1.0, 1.0)))
    // Real statistics: cosine similarities of a trained-looking run differ across cells.
    Assert.True(Array.distinct values |> Array.length > 1)

[<Fact>]
let ``HunyuanVideo is profiled over its dual- and single-stream blocks on its own sampler`` () =
    use dir = new TempDir()
    let out = dir.File "profile"

    let code, stdout, stderr =
        run (
            [ "profile" ]
            @ hunyuanVideoTinyModel
            @ hunyuanVideoTinyInputs
            @ [ "--steps"; "4"; "--out"; out ]
        )

    Assert.True((code = 0), stderr)
    Assert.Contains("profile [4/4] step 4/4 full", stderr)
    Assert.Contains("(3 blocks x 4 steps, 3 levels)", stdout)
    checkFamilyProfile out 3 4

[<Fact>]
let ``CogVideoX is profiled on its DDIM ladder and a flow solver is refused naming it`` () =
    use dir = new TempDir()
    let loopFile = familyFixture "cogvideox" "cogvideox-tiny.loop.safetensors"
    use loop = SafetensorsFile.Open loopFile
    // The fixture is in diffusers' CogVideoX layout [B, F, C, H, W]; every family's --init-noise is [B, C, F, H, W].
    use fixtureNoise = loop.Read "noise"
    use noise = fixtureNoise.permute(0, 2, 1, 3, 4).contiguous()
    let noiseFile = dir.File "noise.safetensors"
    SafetensorsWriter.Write(noiseFile, readOnlyDict [ "noise", noise ])
    let out = dir.File "profile"

    let cogVideoX extra =
        run (
            [
                "profile"
                "--config"
                familyFixture "cogvideox" "cogvideox-tiny.config.json"
                "--weights"
                familyFixture "cogvideox" "cogvideox-tiny.weights.safetensors"
                "--prompt-embeds"
                loopFile + ":encoder_hidden_states"
                "--init-noise"
                noiseFile + ":noise"
            ]
            @ extra
        )

    let code, stdout, stderr = cogVideoX [ "--steps"; "4"; "--out"; out ]
    Assert.True((code = 0), stderr)
    Assert.Contains("(2 blocks x 4 steps, 3 levels)", stdout)
    checkFamilyProfile out 2 4

    let code, _, stderr =
        cogVideoX [ "--steps"; "4"; "--solver"; "unipc"; "--out"; dir.File "refused" ]

    Assert.Equal(2, code)
    Assert.Contains("CogVideoX", stderr)
