module RhymeFlow.Cli.Tests.StudyTests

open System.IO
open Xunit
open RhymeFlow.Host.BuiltIn
open RhymeFlow.Cli.Tests.CliRunner

let private study =
    """{
  "name": "cli study", "captions": 2, "reference": "dense",
  "sampling": { "solver": "unipc", "shift": 3, "steps": 2 },
  "contactSheet": { "rows": ["dense", "fewer"] },
  "rows": [ { "name": "dense" }, { "name": "fewer", "schedule": { "kind": "fewerSteps", "steps": 1 } } ]
}"""

[<Fact>]
let ``study writes the report with its table, the Pareto picture and the contact sheet`` () =
    use dir = new TempDir()
    let package = dir.File "tiny-package"

    do
        use model = MiniModel.Create(MiniModelConfig.Tiny, seed = 1L)
        model.Save(package, TorchSharp.torch.ScalarType.Float32)

    let file = dir.File "study.json"
    File.WriteAllText(file, study)
    let report = dir.File "out/study.md"

    let code, stdout, stderr =
        run [ "study"; file; "--model"; package; "--captions"; "1"; "--out"; report ]

    Assert.True((code = 0), stderr)
    Assert.Contains("[4/4]", stderr)
    Assert.Contains("| fewer | fewer steps |", stdout)
    let markdown = File.ReadAllText report
    Assert.Contains("# cli study", markdown)
    Assert.Contains("1 held-out captions of the built-in model", markdown)
    Assert.Contains("](images/study-pareto.png)", markdown)

    for picture in [ "study-pareto.png"; "study-sheet.png" ] do
        let bytes = File.ReadAllBytes(Path.Combine(dir.File "out/images", picture))
        Assert.Equal<byte[]>([| 0x89uy; 0x50uy; 0x4Euy; 0x47uy |], bytes[..3])

    // One result per job (2 rows x 1 caption) in the default results folder beside the report.
    Assert.Equal(2, Directory.GetFiles(dir.File "out/study-results", "*.result.json").Length)

    // Submitted again, the study finds every job done and runs no clip.
    let code, _, stderr =
        run [ "study"; file; "--model"; package; "--captions"; "1"; "--out"; report ]

    Assert.True((code = 0), stderr)
    Assert.DoesNotContain("[1/", stderr)
    Assert.Contains("| fewer | fewer steps |", File.ReadAllText report)

[<Fact>]
let ``study --results puts the job results in the folder given`` () =
    use dir = new TempDir()
    let package = dir.File "tiny-package"

    do
        use model = MiniModel.Create(MiniModelConfig.Tiny, seed = 1L)
        model.Save(package, TorchSharp.torch.ScalarType.Float32)

    let file = dir.File "study.json"
    File.WriteAllText(file, study)

    let code, _, stderr =
        run
            [
                "study"
                file
                "--model"
                package
                "--captions"
                "1"
                "--out"
                dir.File "study.md"
                "--results"
                dir.File "jobs"
                "--quiet"
            ]

    Assert.True((code = 0), stderr)
    Assert.Equal(2, Directory.GetFiles(dir.File "jobs", "*.result.json").Length)
    Assert.Equal(2, Directory.GetFiles(dir.File "jobs", "*.clip").Length)

[<Fact>]
let ``a study file with an unknown reference row fails with its path and field, writing nothing`` () =
    use dir = new TempDir()
    let file = dir.File "study.json"
    File.WriteAllText(file, study.Replace("\"reference\": \"dense\"", "\"reference\": \"nope\""))
    let report = dir.File "study.md"

    let code, _, stderr = run [ "study"; file; "--out"; report ]

    Assert.Equal(2, code)
    Assert.Contains(file, stderr)
    Assert.Contains("reference = nope", stderr)
    Assert.False(File.Exists report)

[<Fact>]
let ``a missing study file is a usage error`` () =
    let code, _, stderr = run [ "study"; "no/such/study.json" ]
    Assert.Equal(2, code)
    Assert.Contains("study file not found: no/such/study.json", stderr)
