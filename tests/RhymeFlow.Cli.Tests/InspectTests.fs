module RhymeFlow.Cli.Tests.InspectTests

open Xunit
open RhymeFlow.Cli.Tests.CliRunner

[<Theory>]
[<InlineData("wan-tiny.weights.safetensors", "Diffusers", "blocks.0.attn1.to_q.weight")>]
[<InlineData("wan-tiny.original-keys.safetensors", "Original", "blocks.0.self_attn.q.weight")>]
let ``inspect lists the tensors and the key format`` (file: string, format: string, key: string) =
    let code, stdout, _ = run [ "inspect"; fixture file ]
    Assert.Equal(0, code)
    Assert.Contains("69 tensors", stdout)
    Assert.Contains($"Wan key format: {format}", stdout)
    Assert.Contains($"{key}\tF32\t[32, 32]", stdout)

[<Theory>]
[<InlineData("wan-tiny.weights.safetensors")>]
[<InlineData("wan-tiny.original-keys.safetensors")>]
let ``the matching config passes`` (file: string) =
    let code, stdout, _ =
        run [ "inspect"; fixture file; "--config"; fixture "wan-tiny.config.json" ]

    Assert.Equal(0, code)
    Assert.Contains("config wan-tiny.config.json: all 69 tensors match", stdout)

[<Fact>]
let ``the 1.3b preset does not fit the tiny model`` () =
    let code, stdout, stderr =
        run [ "inspect"; fixture "wan-tiny.weights.safetensors"; "--preset"; "1.3b" ]

    Assert.Equal(1, code)
    Assert.Contains("shape of blocks.0.attn1.to_q.weight: expected [1536, 1536], found [32, 32]", stdout)
    Assert.Matches(@"preset 1\.3b: \d+ mismatches \(\d+ wrong shapes, [1-9]\d* missing, 0 unexpected\)", stdout)
    Assert.Contains("does not match preset 1.3b", stderr)
    Assert.DoesNotContain("   at ", stderr)

[<Fact>]
let ``a missing checkpoint is bad usage naming its path`` () =
    let code, _, stderr = run [ "inspect"; "no/such.safetensors" ]
    Assert.Equal(2, code)
    Assert.Contains("no such file or folder: no/such.safetensors", stderr)

[<Fact>]
let ``an unknown preset is bad usage naming the allowed ones`` () =
    let code, _, stderr =
        run [ "inspect"; fixture "wan-tiny.weights.safetensors"; "--preset"; "7b" ]

    Assert.Equal(2, code)
    Assert.Contains("--preset: '7b' is not allowed; expected one of 1.3b, 14b, cogvideox1.5-5b, hunyuanvideo.", stderr)

[<Fact>]
let ``a checkpoint or a preset is required`` () =
    let code, _, stderr = run [ "inspect" ]
    Assert.Equal(2, code)
    Assert.Contains("give a CHECKPOINT to inspect, or --preset NAME", stderr)

[<Theory>]
[<InlineData("hunyuanvideo", "HunyuanVideo: 20 dual-stream + 40 single-stream blocks", "12.82B parameters")>]
[<InlineData("cogvideox1.5-5b", "CogVideoX-1.5: 42 layers, 48 heads x 64 = dim 3072", "5.57B parameters")>]
[<InlineData("1.3b", "30 layers, 12 heads x 128 = dim 1536", "1.42B parameters")>]
let ``a preset alone prints its model's summary, built on the meta device``
    (preset: string, architecture: string, parameters: string)
    =
    let code, stdout, stderr = run [ "inspect"; "--preset"; preset ]
    Assert.True((code = 0), stderr)
    Assert.Contains($"preset {preset}: {architecture}", stdout)
    Assert.Contains($"{parameters} in", stdout)
    Assert.Contains("(built on the meta device)", stdout)

[<Fact>]
let ``a family preset checks a checkpoint's diffusers keys and shapes`` () =
    let code, stdout, stderr =
        run
            [
                "inspect"
                familyFixture "hunyuanvideo" "hunyuanvideo-tiny.weights.safetensors"
                "--preset"
                "hunyuanvideo"
            ]

    Assert.Equal(1, code)
    // The tiny fixture model: its shapes are narrower and its blocks fewer than the published model's.
    Assert.Matches(
        @"preset hunyuanvideo: \d+ mismatches \([1-9]\d* wrong shapes, [1-9]\d* missing, 0 unexpected\)",
        stdout
    )

    Assert.Contains("does not match preset hunyuanvideo", stderr)

[<Theory>]
[<InlineData("vae", "wan-vae-tiny.config.json", "wan-vae-tiny.weights.safetensors")>]
[<InlineData("text_encoder", "umt5-tiny.config.json", "umt5-tiny.weights.safetensors")>]
let ``another component's folder is listed without checking its config``
    (name: string, config: string, weights: string)
    =
    use dir = new TempDir()

    let folder =
        System.IO.Directory.CreateDirectory(System.IO.Path.Combine(dir.Path, name)).FullName

    System.IO.File.Copy(pipelineFixture config, System.IO.Path.Combine(folder, "config.json"))
    let checkpoint = System.IO.Path.Combine(folder, "model.safetensors")
    System.IO.File.Copy(pipelineFixture weights, checkpoint)

    for target in [ checkpoint; folder ] do
        let code, stdout, stderr = run [ "inspect"; target ]
        Assert.True((code = 0), stderr)
        Assert.Contains("tensors", stdout)
        Assert.DoesNotContain("config ", stdout)

[<Fact>]
let ``a transformer's sibling config is still checked`` () =
    use dir = new TempDir()
    System.IO.File.Copy(fixture "wan-tiny.config.json", dir.File "config.json")
    let checkpoint = dir.File "model.safetensors"
    System.IO.File.Copy(fixture "wan-tiny.weights.safetensors", checkpoint)
    let code, stdout, stderr = run [ "inspect"; checkpoint ]
    Assert.True((code = 0), stderr)
    Assert.Contains("config.json: all 69 tensors match", stdout)
