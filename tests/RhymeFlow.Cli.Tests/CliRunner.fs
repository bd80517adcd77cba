/// Runs the command line in-process and captures what it prints.
module RhymeFlow.Cli.Tests.CliRunner

open System
open System.IO

let private gate = obj ()

/// Exit code, stdout and stderr of `rhymeflow args`.
let run (args: string list) =
    lock gate (fun () ->
        let out, err = new StringWriter(), new StringWriter()
        let oldOut, oldErr = Console.Out, Console.Error
        Console.SetOut out
        Console.SetError err

        try
            let code = RhymeFlow.Cli.Program.main (Array.ofList args)
            code, out.ToString(), err.ToString()
        finally
            Console.SetOut oldOut
            Console.SetError oldErr)

let fixtures =
    let rec up (dir: DirectoryInfo) =
        if File.Exists(Path.Combine(dir.FullName, "RhymeFlow.sln")) then
            Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "fixtures", "wan-diffusers"))
        elif isNull dir.Parent then
            failwith "no RhymeFlow.sln above the test directory"
        else
            up dir.Parent

    up (DirectoryInfo AppContext.BaseDirectory)

let fixture name = Path.Combine(fixtures, name)

/// A file of another family's fixtures: ../shared/fixtures/{family}-diffusers (hunyuanvideo, cogvideox).
let familyFixture (family: string) name =
    Path.GetFullPath(Path.Combine(fixtures, "..", $"{family}-diffusers", name))

/// The tiny HunyuanVideo transformer of its fixtures, as `sample` and `forward` take it.
let hunyuanVideoTinyModel =
    [
        "--config"
        familyFixture "hunyuanvideo" "hunyuanvideo-tiny.config.json"
        "--weights"
        familyFixture "hunyuanvideo" "hunyuanvideo-tiny.weights.safetensors"
    ]

/// The HunyuanVideo fixture's 10-step loop inputs: prompt, mask, pooled embeddings and initial noise.
let hunyuanVideoTinyInputs =
    let file = familyFixture "hunyuanvideo" "hunyuanvideo-tiny.loop.safetensors"

    [
        "--prompt-embeds"
        file + ":encoder_hidden_states"
        "--prompt-mask"
        file + ":encoder_attention_mask"
        "--pooled-embeds"
        file + ":pooled_projections"
        "--init-noise"
        file + ":noise"
    ]

/// The two-layer wan-tiny transformer of the fixtures, as `sample` and `profile` take it.
let wanTinyModel =
    [
        "--config"
        fixture "wan-tiny.config.json"
        "--weights"
        fixture "wan-tiny.weights.safetensors"
    ]

/// The fixtures' 10-step loop inputs: prompt embeddings and initial noise.
let wanTinyInputs =
    let file = fixture "schedulers-public.safetensors"
    [ "--prompt-embeds"; file + ":loop_text"; "--init-noise"; file + ":loop_noise" ]

/// The pipeline fixtures (tokenizer, umT5, VAE): ../shared/fixtures/wan-pipeline.
let pipelineFixtures =
    Path.GetFullPath(Path.Combine(fixtures, "..", "wan-pipeline"))

let pipelineFixture name = Path.Combine(pipelineFixtures, name)

/// A fresh temporary directory, removed on dispose.
type TempDir() =
    let path = Directory.CreateTempSubdirectory("rhymeflow-cli-").FullName
    member _.Path = path
    member _.File name = Path.Combine(path, name)

    interface IDisposable with
        member _.Dispose() = Directory.Delete(path, true)
