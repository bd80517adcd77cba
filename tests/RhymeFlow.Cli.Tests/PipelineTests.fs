/// The Wan 2.1 pipeline from the command line: component forwards against the pipeline fixtures, `tokenize`, and
/// `generate --model` with a tiny random pipeline folder.
module RhymeFlow.Cli.Tests.PipelineTests

open System.IO
open System.Text
open System.Text.Json
open System.Text.Json.Nodes
open Xunit
open Google.Protobuf
open TorchSharp
open RhymeFlow.Host.Checkpoints
open RhymeFlow.Host.Benchmarking
open RhymeFlow.Cli.Tests.CliRunner

let private relativeError (actual: torch.Tensor) (expected: torch.Tensor) =
    use difference = (actual - expected).norm()
    use norm = expected.norm ()
    difference.item<float32>() / norm.item<float32>()

let private forward (dir: TempDir) (comp: string) (config: string) (weights: string) (case: string) =
    let out = dir.File "out.safetensors"

    let result =
        run
            [
                "forward"
                "--component"
                comp
                "--config"
                pipelineFixture config
                "--weights"
                pipelineFixture weights
                "--inputs"
                pipelineFixture case
                "--out"
                out
            ]

    result, out

/// Asserts that `out` holds `name` within relative L2 1e-4 of the case's tensor of the same name.
let private matches (out: string) (case: string) (name: string) =
    use written = SafetensorsFile.Open out
    use expectedFile = SafetensorsFile.Open(pipelineFixture case)
    use actual = written.Read name
    use expected = expectedFile.Read name
    Assert.Equal<int64>(expected.shape, actual.shape)
    Assert.Equal(torch.ScalarType.Float32, actual.dtype)
    let error = relativeError actual expected
    Assert.True(error < 1e-4f, $"{name}: relative L2 error {error}")

[<Theory>]
[<InlineData("vae-decode", "decoded")>]
[<InlineData("vae-encode", "encoded_mean")>]
let ``forward --component reproduces the VAE fixture`` (comp: string, name: string) =
    use dir = new TempDir()

    let (code, stdout, stderr), out =
        forward dir comp "wan-vae-tiny.config.json" "wan-vae-tiny.weights.safetensors" "wan-vae-tiny.case.safetensors"

    Assert.True((code = 0), stderr)
    Assert.Contains($"({name})", stdout)
    matches out "wan-vae-tiny.case.safetensors" name

[<Fact>]
let ``forward --component text-encoder reproduces the umT5 fixture`` () =
    use dir = new TempDir()

    let (code, _, stderr), out =
        forward dir "text-encoder" "umt5-tiny.config.json" "umt5-tiny.weights.safetensors" "umt5-tiny.case.safetensors"

    Assert.True((code = 0), stderr)
    matches out "umt5-tiny.case.safetensors" "last_hidden_state"

[<Fact>]
let ``forward --component with a case missing the input names the file and the tensor`` () =
    use dir = new TempDir()

    let (code, _, stderr), _ =
        forward
            dir
            "vae-decode"
            "wan-vae-tiny.config.json"
            "wan-vae-tiny.weights.safetensors"
            "umt5-tiny.case.safetensors"

    Assert.Equal(1, code)
    Assert.Contains("umt5-tiny.case.safetensors", stderr)
    Assert.Contains("has no tensor 'latents'", stderr)

[<Fact>]
let ``an unknown component is bad usage listing the components`` () =
    use dir = new TempDir()

    let (code, _, stderr), _ =
        forward dir "unet" "wan-vae-tiny.config.json" "wan-vae-tiny.weights.safetensors" "wan-vae-tiny.case.safetensors"

    Assert.Equal(2, code)
    Assert.Contains("--component: 'unet' is not allowed", stderr)
    Assert.Contains("vae-decode", stderr)

[<Fact>]
let ``tokenize prints the fixture ids and pieces and the umT5 framing with eos`` () =
    let code, stdout, stderr =
        run
            [
                "tokenize"
                "--tokenizer"
                pipelineFixture "spiece-tiny.model"
                "a red circle moving left"
            ]

    Assert.True((code = 0), stderr)

    for id, piece in [ 259, "▁a"; 287, "▁red"; 272, "▁circle"; 266, "▁moving"; 293, "▁left" ] do
        Assert.Contains($"{id}  {piece}", stdout)

    Assert.Contains("5 token(s); umT5 input (eos 1 appended): 259 287 272 266 293 1", stdout)

[<Fact>]
let ``tokenize --max-length keeps room for eos`` () =
    let code, stdout, _ =
        run
            [
                "tokenize"
                "--tokenizer"
                pipelineFixture "spiece-tiny.model"
                "--max-length"
                "3"
                "a red circle moving left"
            ]

    Assert.Equal(0, code)
    Assert.Contains("3 token(s) dropped by --max-length 3): 259 287 1", stdout)

[<Fact>]
let ``tokenize with a file that is not a SentencePiece model is bad usage naming it`` () =
    let code, _, stderr =
        run
            [
                "tokenize"
                "--tokenizer"
                pipelineFixture "umt5-tiny.config.json"
                "a red circle"
            ]

    Assert.Equal(2, code)
    Assert.Contains("--tokenizer", stderr)
    Assert.Contains("umt5-tiny.config.json", stderr)
    Assert.DoesNotContain("   at ", stderr)

/// A general SentencePiece unigram model, laid out as google/sentencepiece's own test models are: unk 0, bos 1,
/// eos 2 and no pad id (the trainer's defaults, so the trainer_spec names none of them), identity normalization.
let private generalSentencePieceModel (path: string) =
    let message (write: CodedOutputStream -> unit) =
        use buffer = new MemoryStream()

        do
            use output = new CodedOutputStream(buffer, true)
            write output

        ByteString.CopyFrom(buffer.ToArray())

    let pieces =
        [
            "<unk>", 0.0f, 2
            "<s>", 0.0f, 3
            "</s>", 0.0f, 3
            "▁a", -1.0f, 1
            "▁red", -1.5f, 1
            "▁circle", -2.0f, 1
            "▁", -3.0f, 1
        ]

    let model =
        message (fun output ->
            for text, score, kind in pieces do
                output.WriteTag(1, WireFormat.WireType.LengthDelimited)

                output.WriteBytes(
                    message (fun piece ->
                        piece.WriteTag(1, WireFormat.WireType.LengthDelimited)
                        piece.WriteString text
                        piece.WriteTag(2, WireFormat.WireType.Fixed32)
                        piece.WriteFloat score

                        if kind <> 1 then
                            piece.WriteTag(3, WireFormat.WireType.Varint)
                            piece.WriteInt32 kind)
                )

            output.WriteTag(2, WireFormat.WireType.LengthDelimited)

            output.WriteBytes(
                message (fun trainer ->
                    trainer.WriteTag(3, WireFormat.WireType.Varint)
                    trainer.WriteInt32 1
                    trainer.WriteTag(4, WireFormat.WireType.Varint)
                    trainer.WriteInt32 pieces.Length)
            )

            output.WriteTag(3, WireFormat.WireType.LengthDelimited)

            output.WriteBytes(
                message (fun normalizer ->
                    normalizer.WriteTag(1, WireFormat.WireType.LengthDelimited)
                    normalizer.WriteString "identity")
            ))

    File.WriteAllBytes(path, model.ToByteArray())

[<Fact>]
let ``tokenize on a general SentencePiece model prints its ids and pieces and says the umT5 framing does not apply``
    ()
    =
    use dir = new TempDir()
    let model = dir.File "general.model"
    generalSentencePieceModel model

    let code, stdout, stderr = run [ "tokenize"; "--tokenizer"; model; "a red circle" ]

    Assert.True((code = 0), stderr)

    for id, piece in [ 3, "▁a"; 4, "▁red"; 5, "▁circle" ] do
        Assert.Contains($"{id}  {piece}", stdout)

    Assert.Contains(
        $"3 token(s); the umT5 framing does not apply: SentencePiece model '{model}' has eos id 2 and pad id -1; umT5 needs both.",
        stdout
    )

    Assert.DoesNotContain("umT5 input", stdout)
    Assert.Equal("", stderr)

/// A tiny Wan 2.1 folder with random weights: the fixture transformer with text_dim 32, the fixture umT5 with a
/// vocabulary covering the fixture tokenizer, the fixture VAE.
let private tinyPipeline (dir: TempDir) =
    let path = dir.File "wan-tiny-pipeline"

    let load file =
        JsonNode.Parse(File.ReadAllText file).AsObject()

    let transformer = load (fixture "wan-tiny.config.json")
    transformer["text_dim"] <- JsonValue.Create 32
    let textEncoder = load (pipelineFixture "umt5-tiny.config.json")
    textEncoder["vocab_size"] <- JsonValue.Create 384
    let vae = load (pipelineFixture "wan-vae-tiny.config.json")
    RandomPipelineFolder.Write(path, transformer, textEncoder, vae, pipelineFixture "spiece-tiny.model", 3.0, 11L)
    path

let private generateTiny (folder: string) (out: string) =
    run
        [
            "generate"
            "--model"
            folder
            "a red circle moving left"
            "--frames"
            "5"
            "--height"
            "16"
            "--width"
            "16"
            "--steps"
            "6"
            "--warmup"
            "2"
            "--out"
            out
            "--quiet"
        ]

[<Fact>]
let ``generate with a Wan folder writes a viewable GIF, the pictures and a report timing each phase`` () =
    use dir = new TempDir()
    let out = dir.File "out"
    let code, stdout, stderr = generateTiny (tinyPipeline dir) out
    Assert.True((code = 0), stderr)
    Assert.Contains("5 frames of 16x16", stdout)
    let bytes = File.ReadAllBytes(Path.Combine(out, "video-seed0.gif"))
    Assert.Equal("GIF89a", Encoding.ASCII.GetString(bytes, 0, 6))
    let width, height, frames = GenerateTests.gifFrames bytes
    Assert.Equal(5, frames)
    Assert.True(width >= 256 && height >= 256, $"the GIF is {width}x{height}")

    for name in [ "contact-sheet.png"; "plan.png"; "latents.safetensors"; "report.md" ] do
        Assert.True(File.Exists(Path.Combine(out, name)), name)

    let md = File.ReadAllText(Path.Combine(out, "report.md"))

    for phase in [ "| text encoding |"; "| denoising |"; "| decoding |" ] do
        Assert.Contains(phase, md)

    use json = JsonDocument.Parse(File.ReadAllText(Path.Combine(out, "report.json")))
    let timings = json.RootElement.GetProperty "timings"

    for name in [ "text_encoding_s"; "denoising_s"; "decoding_s" ] do
        Assert.True(timings.GetProperty(name).GetDouble() >= 0.0, name)

    Assert.Equal(3.0, json.RootElement.GetProperty("flow_shift").GetDouble())
    Assert.Contains("rhymeflow, 6 steps, warm-up 2", json.RootElement.GetProperty("schedule").GetString())

[<Fact>]
let ``generate with a Wan folder missing vae is bad usage naming it`` () =
    use dir = new TempDir()
    let folder = tinyPipeline dir
    Directory.Delete(Path.Combine(folder, "vae"), true)
    let code, _, stderr = generateTiny folder (dir.File "out")
    Assert.Equal(2, code)
    Assert.Contains("not a usable Wan 2.1 pipeline folder", stderr)
    Assert.Contains("vae", stderr)
    Assert.False(Directory.Exists(dir.File "out"))

[<Fact>]
let ``generate with a Wan folder rejects a frame count the VAE cannot make`` () =
    use dir = new TempDir()
    let folder = tinyPipeline dir

    let code, _, stderr =
        run
            [
                "generate"
                "--model"
                folder
                "a red circle"
                "--frames"
                "4"
                "--out"
                dir.File "out"
            ]

    Assert.Equal(2, code)
    Assert.Contains("--frames must be 1 + 2k", stderr)
