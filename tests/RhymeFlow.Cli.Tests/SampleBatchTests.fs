/// `sample` on batches of clips: B rows of noise and embeddings in one run, checked against the per-clip runs.
module RhymeFlow.Cli.Tests.SampleBatchTests

open System.IO
open Xunit
open TorchSharp
open RhymeFlow.Host.Checkpoints
open RhymeFlow.Cli.Tests.CliRunner
open RhymeFlow.Cli.Tests.SampleSupport

let private model = wanTinyModel
let private inputs = wanTinyInputs

/// Writes `tensors` to one safetensors file in `dir` and returns its path, for FILE:TENSOR arguments.
let private writeInputs (dir: TempDir) (tensors: (string * torch.Tensor) list) =
    let path = dir.File "batch-inputs.safetensors"
    SafetensorsWriter.Write(path, readOnlyDict tensors)
    path

let private sampleLatents (dir: TempDir) (name: string) (args: string list) =
    let out = dir.File name

    let code, stdout, stderr =
        run ([ "sample" ] @ model @ args @ [ "--quiet"; "--out"; out ])

    Assert.True((code = 0), stderr)
    use file = SafetensorsFile.Open out
    file.Read "latents", stdout

[<Theory>]
[<InlineData("unipc", "loop_unipc_shift3_steps10_result")>]
[<InlineData("euler", "loop_euler_shift3_steps10_result")>]
let ``sample on a batch of two copies of the fixture's inputs reproduces the diffusers loop in each row``
    (solver: string, expectedKey: string)
    =
    use dir = new TempDir()
    use reference = SafetensorsFile.Open(fixture "schedulers-public.safetensors")
    use text = reference.Read "loop_text"
    use noise = reference.Read "loop_noise"
    use texts = torch.cat ([| text; text |], 0L)
    use noises = torch.cat ([| noise; noise |], 0L)
    let file = writeInputs dir [ "text", texts; "noise", noises ]

    let latents, stdout =
        sampleLatents
            dir
            "latents.safetensors"
            [
                "--prompt-embeds"
                file + ":text"
                "--init-noise"
                file + ":noise"
                "--schedule"
                "dense"
                "--solver"
                solver
                "--shift"
                "3"
                "--steps"
                "10"
                "--guidance"
                "1"
            ]

    use latents = latents
    use expected = reference.Read expectedKey
    Assert.Contains("10 evaluations (10 full, 0 keyframe-only) for 2 clips", stdout)
    Assert.Equal<int64[]>([| 2L; 4L; 5L; 8L; 8L |], latents.shape)

    for row in 0L .. 1L do
        use clip = latents.narrow (0L, row, 1L)
        let error = relativeError clip expected
        Assert.True(error < 1e-4, $"row {row}: relative L2 error {error:E2} against diffusers' {expectedKey}")

[<Fact>]
let ``sample on a batch of two clips with one shared negative row matches each clip's own run`` () =
    use dir = new TempDir()
    use reference = SafetensorsFile.Open(fixture "schedulers-public.safetensors")
    use text = reference.Read "loop_text"
    use noise = reference.Read "loop_noise"
    use generator = new torch.Generator(5UL)
    use otherText = torch.randn ([| 1L; 7L; 24L |], generator = generator)
    use otherNoise = torch.randn ([| 1L; 4L; 5L; 8L; 8L |], generator = generator)
    use texts = torch.cat ([| text; otherText |], 0L)
    use noises = torch.cat ([| noise; otherNoise |], 0L)

    let file =
        writeInputs
            dir
            [
                "text", text
                "noise", noise
                "other_text", otherText
                "other_noise", otherNoise
                "texts", texts
                "noises", noises
            ]

    // RhymeFlow with CFG and the keyframes given, so that the batch and the single runs share their plan.
    let common =
        [
            "--negative-embeds"
            fixture "wan-tiny.case.safetensors" + ":encoder_hidden_states"
            "--steps"
            "12"
            "--keyframes"
            "0,3"
        ]

    let batch, stdout =
        sampleLatents
            dir
            "batch.safetensors"
            ([ "--prompt-embeds"; file + ":texts"; "--init-noise"; file + ":noises" ]
             @ common)

    use batch = batch
    Assert.Contains("keyframe-only) for 2 clips", stdout)

    for row, (textKey, noiseKey) in [ 0L, ("text", "noise"); 1L, ("other_text", "other_noise") ] do
        let single, _ =
            sampleLatents
                dir
                $"single{row}.safetensors"
                ([
                    "--prompt-embeds"
                    file + ":" + textKey
                    "--init-noise"
                    file + ":" + noiseKey
                 ]
                 @ common)

        use single = single
        use clip = batch.narrow (0L, row, 1L)
        let error = relativeError clip single
        Assert.True(error < 1e-5, $"row {row}: relative error {error:E2} against its own run")

[<Fact>]
let ``prompt rows that are neither one nor the batch are bad usage naming the flag and the shapes`` () =
    use dir = new TempDir()
    use reference = SafetensorsFile.Open(fixture "schedulers-public.safetensors")
    use text = reference.Read "loop_text"
    use noise = reference.Read "loop_noise"
    use texts = torch.cat ([| text; text; text |], 0L)
    use noises = torch.cat ([| noise; noise |], 0L)
    let file = writeInputs dir [ "texts", texts; "noises", noises ]

    let code, _, stderr =
        run (
            [ "sample" ]
            @ unloadableModel
            @ [
                "--prompt-embeds"
                file + ":texts"
                "--init-noise"
                file + ":noises"
                "--quiet"
                "--out"
                dir.File "o.safetensors"
            ]
        )

    Assert.Equal(2, code)

    Assert.Contains(
        "--prompt-embeds: the tensor has shape [3, 7, 24]; expected [2, L, 24] (a row per clip of --init-noise) or [1, L, 24] (one row for every clip).",
        stderr
    )
