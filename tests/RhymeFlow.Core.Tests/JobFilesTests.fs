module RhymeFlow.Core.Tests.JobFilesTests

open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open RhymeFlow.Core

open RhymeFlow.Core.Tests.JobsFixture

let private genResult =
    gen {
        let! key = Gen.elements (jobs.Jobs |> List.map (fun j -> j.Key))
        let! failed = Gen.frequency [ 1, Gen.constant true; 4, Gen.constant false ]

        let! error =
            Gen.elements [ "bad caption"; "unknown word 'zigzag'"; "é \"quoted\"\n" ]

        let! seconds = Gen.choose (1, 100000)
        let! bits = Gen.choose (0, 31)
        let! adherence = Gen.choose (0, 1000)
        let! blocks = Gen.choose (-1, 500)

        return
            ({
                Key = key
                Outcome =
                    if failed then
                        Failed error
                    else
                        Succeeded
                            {
                                Seconds = float seconds / 7919.0
                                Judgement =
                                    if bits = 0 then
                                        None
                                    else
                                        Some
                                            {
                                                Count = bits &&& 1 <> 0
                                                Colour = bits &&& 2 <> 0
                                                Shape = bits &&& 4 <> 0
                                                Motion = bits &&& 8 <> 0
                                                Speed = bits &&& 16 <> 0
                                                Adherence = float adherence / 999.0
                                            }
                                BlocksRun = if blocks >= 0 then Some blocks else None
                                ComputedSteps = if blocks >= 0 then Some(blocks / 3) else None
                            }
            }
            : JobResult)
    }

[<Property(MaxTest = 200)>]
let ``a result file reads back as written`` () =
    Prop.forAll (Arb.fromGen genResult) (fun result ->
        let job = jobs.Jobs |> List.find (fun j -> j.Key = result.Key)
        JobFiles.readResult (JobFiles.writeResult job result) = Ok result)

[<Fact>]
let ``a comparison file reads back as written, the capped PSNR included`` () =
    let c = comparisonOf jobs.Comparisons[1]
    Assert.Equal(Ok c, JobFiles.readComparison (JobFiles.writeComparison c))

    let nan = { c with Ssim = System.Double.NaN }

    match JobFiles.readComparison (JobFiles.writeComparison nan) with
    | Ok back -> Assert.True(System.Double.IsNaN back.Ssim)
    | Error e -> failwith e.Message
