module RhymeFlow.Cli.Tests.ForwardTests

open Xunit
open TorchSharp
open RhymeFlow.Host.Checkpoints
open RhymeFlow.Cli.Tests.CliRunner

let private relativeError (actual: torch.Tensor) (expected: torch.Tensor) =
    use difference = (actual - expected).norm()
    use norm = expected.norm ()
    difference.item<float32>() / norm.item<float32>()

[<Theory>]
[<InlineData("wan-tiny.weights.safetensors", "wan-tiny.case.safetensors")>]
[<InlineData("wan-tiny.original-keys.safetensors", "wan-tiny-perframe.case.safetensors")>]
let ``forward reproduces the diffusers fixture from the command line`` (weights: string, case: string) =
    use dir = new TempDir()
    let out = dir.File "out.safetensors"

    let code, stdout, _ =
        run
            [
                "forward"
                "--config"
                fixture "wan-tiny.config.json"
                "--weights"
                fixture weights
                "--inputs"
                fixture case
                "--out"
                out
            ]

    Assert.Equal(0, code)
    Assert.Contains("wrote", stdout)
    use written = SafetensorsFile.Open out
    use expectedFile = SafetensorsFile.Open(fixture case)
    use sample = written.Read "sample"
    use expected = expectedFile.Read "expected"
    Assert.True(relativeError sample expected < 1e-4f)

[<Fact>]
let ``a missing file is bad usage naming the path`` () =
    let code, _, stderr =
        run
            [
                "forward"
                "--config"
                "nope.json"
                "--weights"
                "x"
                "--inputs"
                "y"
                "--out"
                "z"
            ]

    Assert.Equal(2, code)
    Assert.Contains("--config: no such file or folder: nope.json", stderr)

[<Fact>]
let ``an unknown flag is bad usage naming the flag`` () =
    let code, _, stderr = run [ "forward"; "--bogus" ]
    Assert.Equal(2, code)
    Assert.Contains("--bogus", stderr)

[<Fact>]
let ``a case without hidden_states is a failed run with a clear message`` () =
    use dir = new TempDir()

    let code, _, stderr =
        run
            [
                "forward"
                "--config"
                fixture "wan-tiny.config.json"
                "--weights"
                fixture "wan-tiny.weights.safetensors"
                "--inputs"
                fixture "schedulers-public.safetensors"
                "--out"
                dir.File "out.safetensors"
            ]

    Assert.Equal(1, code)
    Assert.Contains("has no tensor 'hidden_states'", stderr)
    Assert.DoesNotContain("   at ", stderr)

[<Theory>]
[<InlineData("--dtype|f8", "--dtype: 'f8' is not allowed; expected one of float32")>]
[<InlineData("--device|tpu", "--device: 'tpu' is not allowed; expected one of cpu, cuda")>]
let ``a bad dtype or device is bad usage naming the flag`` (flag: string, message: string) =
    use dir = new TempDir()

    let code, _, stderr =
        run (
            [
                "forward"
                "--config"
                fixture "wan-tiny.config.json"
                "--weights"
                fixture "wan-tiny.weights.safetensors"
                "--inputs"
                fixture "wan-tiny.case.safetensors"
                "--out"
                dir.File "out.safetensors"
            ]
            @ List.ofArray (flag.Split '|')
        )

    Assert.Equal(2, code)
    Assert.Contains(message, stderr)

[<Theory>]
[<InlineData("hunyuanvideo", "hunyuanvideo-tiny.case.safetensors")>]
[<InlineData("hunyuanvideo", "hunyuanvideo-tiny-batch2.case.safetensors")>]
[<InlineData("cogvideox", "cogvideox-tiny.case.safetensors")>]
[<InlineData("cogvideox", "cogvideox-tiny-batch2.case.safetensors")>]
let ``forward runs every family's fixture case, told from the config`` (family: string, case: string) =
    use dir = new TempDir()
    let out = dir.File "out.safetensors"

    let code, stdout, stderr =
        run
            [
                "forward"
                "--config"
                familyFixture family $"{family}-tiny.config.json"
                "--weights"
                familyFixture family $"{family}-tiny.weights.safetensors"
                "--inputs"
                familyFixture family case
                "--out"
                out
            ]

    Assert.True((code = 0), stderr)
    Assert.Contains("(sample)", stdout)
    use written = SafetensorsFile.Open out
    use expectedFile = SafetensorsFile.Open(familyFixture family case)
    use sample = written.Read "sample"
    use expected = expectedFile.Read "expected"
    Assert.True(relativeError sample expected < 1e-4f, $"relative error {relativeError sample expected}")

[<Fact>]
let ``a case lacking a family's tensors is a failed run naming the family and every missing tensor`` () =
    use dir = new TempDir()

    let code, _, stderr =
        run (
            [ "forward" ]
            @ hunyuanVideoTinyModel
            @ [
                "--inputs"
                familyFixture "cogvideox" "cogvideox-tiny.case.safetensors"
                "--out"
                dir.File "out.safetensors"
            ]
        )

    Assert.Equal(1, code)
    Assert.Contains("a HunyuanVideo case needs", stderr)
    Assert.Contains("no tensor 'encoder_attention_mask', 'pooled_projections', 'guidance'", stderr)
    Assert.DoesNotContain("   at ", stderr)

[<Fact>]
let ``a config of no known family is a failed run naming its class`` () =
    use dir = new TempDir()
    let config = dir.File "config.json"
    System.IO.File.WriteAllText(config, """{ "_class_name": "MochiTransformer3DModel" }""")

    let code, _, stderr =
        run
            [
                "forward"
                "--config"
                config
                "--weights"
                config
                "--inputs"
                config
                "--out"
                dir.File "out.safetensors"
            ]

    Assert.Equal(1, code)
    Assert.Contains("_class_name MochiTransformer3DModel is no video transformer the engine knows", stderr)
