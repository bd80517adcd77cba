/// `sample` on the families behind the model seam (CogVideoX-1.5, HunyuanVideo): their diffusers loops, RhymeFlow, and
/// the inputs and flags each family takes.
module RhymeFlow.Cli.Tests.SampleFamilyTests

open System.IO
open Xunit
open TorchSharp
open RhymeFlow.Host.Checkpoints
open RhymeFlow.Cli.Tests.CliRunner
open RhymeFlow.Cli.Tests.SampleSupport

[<Fact>]
let ``CogVideoX samples with DDIM on its VP ladder by default and reproduces the diffusers loop`` () =
    use dir = new TempDir()
    let loopFile = familyFixture "cogvideox" "cogvideox-tiny.loop.safetensors"
    use loop = SafetensorsFile.Open loopFile
    // The fixture is in diffusers' CogVideoX layout [B, F, C, H, W]; every family's --init-noise is [B, C, F, H, W].
    use fixtureNoise = loop.Read "noise"
    use noise = fixtureNoise.permute(0, 2, 1, 3, 4).contiguous()
    let noiseFile = dir.File "noise.safetensors"
    SafetensorsWriter.Write(noiseFile, readOnlyDict [ "noise", noise ])
    let out = dir.File "latents.safetensors"

    let code, stdout, stderr =
        run
            [
                "sample"
                "--config"
                familyFixture "cogvideox" "cogvideox-tiny.config.json"
                "--weights"
                familyFixture "cogvideox" "cogvideox-tiny.weights.safetensors"
                "--prompt-embeds"
                loopFile + ":encoder_hidden_states"
                "--init-noise"
                noiseFile + ":noise"
                "--schedule"
                "dense"
                "--steps"
                "10"
                "--guidance"
                "1"
                "--quiet"
                "--out"
                out
            ]

    Assert.True((code = 0), stderr)
    Assert.Contains("10 evaluations (10 full, 0 keyframe-only)", stdout)
    use written = SafetensorsFile.Open out
    use latents = written.Read "latents"
    use expected = loop.Read "ddim_result"
    use expectedLayout = expected.permute(0, 2, 1, 3, 4).contiguous()
    let error = relativeError latents expectedLayout
    Assert.True(error < 1e-4, $"relative error {error}")

[<Fact>]
let ``HunyuanVideo samples on its pipeline's sampler by default and reproduces the diffusers loop`` () =
    use dir = new TempDir()
    let out = dir.File "latents.safetensors"

    let code, stdout, stderr =
        run (
            [ "sample" ]
            @ hunyuanVideoTinyModel
            @ hunyuanVideoTinyInputs
            @ [ "--schedule"; "dense"; "--steps"; "10"; "--quiet"; "--out"; out ]
        )

    Assert.True((code = 0), stderr)
    Assert.Contains("10 evaluations (10 full, 0 keyframe-only)", stdout)
    use written = SafetensorsFile.Open out

    use loop =
        SafetensorsFile.Open(familyFixture "hunyuanvideo" "hunyuanvideo-tiny.loop.safetensors")

    use latents = written.Read "latents"
    use expected = loop.Read "euler_result"
    let error = relativeError latents expected
    Assert.True(error < 1e-4, $"relative error {error}")

[<Fact>]
let ``HunyuanVideo runs RhymeFlow with keyframe-only steps from the command line`` () =
    use dir = new TempDir()

    let code, stdout, stderr =
        run (
            [ "sample" ]
            @ hunyuanVideoTinyModel
            @ hunyuanVideoTinyInputs
            @ [
                "--steps"
                "10"
                "--keyframe-count"
                "1"
                "--min-skip"
                "3"
                "--max-skip"
                "4"
                "--quiet"
                "--out"
                dir.File "latents.safetensors"
            ]
        )

    Assert.True((code = 0), stderr)
    Assert.Matches(@"10 evaluations \(\d+ full, [1-9]\d* keyframe-only\)", stdout)

[<Theory>]
[<InlineData("", "HunyuanVideo: HunyuanVideo needs the prompt's attention mask")>]
[<InlineData("--cache|teacache", "--cache: `sample` does not take it for HunyuanVideo yet (Wan only).")>]
[<InlineData("--solver|unipc", "--solver: spacing = linspace")>]
let ``HunyuanVideo's missing inputs and Wan-only flags are bad usage naming the family``
    (flags: string, message: string)
    =
    use dir = new TempDir()

    let inputs =
        if flags = "" then
            hunyuanVideoTinyInputs
            |> List.except [ "--prompt-mask" ]
            |> List.filter (fun a -> not (a.EndsWith "encoder_attention_mask"))
        else
            hunyuanVideoTinyInputs

    let extra = if flags = "" then [] else List.ofArray (flags.Split '|')

    let code, _, stderr =
        run (
            [ "sample" ]
            @ hunyuanVideoTinyModel
            @ inputs
            @ extra
            @ [
                "--steps"
                "4"
                "--schedule"
                "dense"
                "--quiet"
                "--out"
                dir.File "o.safetensors"
            ]
        )

    Assert.Equal(2, code)
    Assert.Contains(message, stderr)

[<Fact>]
let ``Wan takes no HunyuanVideo inputs`` () =
    use dir = new TempDir()
    let file = familyFixture "hunyuanvideo" "hunyuanvideo-tiny.loop.safetensors"

    let code, _, stderr =
        run (
            [ "sample" ]
            @ wanTinyModel
            @ wanTinyInputs
            @ [
                "--prompt-mask"
                file + ":encoder_attention_mask"
                "--out"
                dir.File "o.safetensors"
            ]
        )

    Assert.Equal(2, code)
    Assert.Contains("--prompt-mask: Wan takes no such input", stderr)
