module RhymeFlow.Core.Tests.JobsTests

open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open RhymeFlow.Core

open RhymeFlow.Core.Tests.JobsFixture

[<Fact>]
let ``a study expands caption by caption, repeats within a caption, rows rotating`` () =
    Assert.Equal(3 * 2 * 3, jobs.Jobs.Length)

    let first =
        jobs.Jobs
        |> List.take 6
        |> List.map (fun j -> j.Row.Name, j.CaptionIndex, j.Repeat)

    Assert.Equal<(string * int * int) list>(
        [
            "dense", 0, 0
            "again", 0, 0
            "cached", 0, 0
            "again", 0, 1
            "cached", 0, 1
            "dense", 0, 1
        ],
        first
    )

    Assert.Equal(9, jobs.Comparisons.Length)
    Assert.Equal<int list>([ 2; 0; 1 ], Jobs.rotation 3 2)

[<Fact>]
let ``rotation puts every row in every position once`` () =
    let orders = List.init 4 (Jobs.rotation 4)
    Assert.All(orders, (fun order -> Assert.Equal<int list>([ 0; 1; 2; 3 ], List.sort order)))

    for position in 0..3 do
        Assert.Equal<int list>([ 0; 1; 2; 3 ], orders |> List.map (fun order -> order[position]) |> List.sort)

[<Fact>]
let ``keys are distinct, recomputable and stable`` () =
    let keys = jobs.Jobs |> List.map (fun j -> j.Key)
    Assert.Equal(keys.Length, (List.distinct keys).Length)
    Assert.All(jobs.Jobs, (fun j -> Assert.Equal(Jobs.keyOf j, j.Key)))
    Assert.All(keys, (fun k -> Assert.Matches("^[0-9a-f]{16}$", k)))
    // A second expansion, as another process would do it, gives the same keys.
    Assert.Equal<string list>(keys, (expand captions |> ok).Jobs |> List.map (fun j -> j.Key))

[<Fact>]
let ``the key ignores the output name but not the work`` () =
    let job = jobs.Jobs.Head
    Assert.Equal(job.Key, Jobs.keyOf { job with Output = "elsewhere" })
    Assert.NotEqual<string>(job.Key, Jobs.keyOf { job with Seed = job.Seed + 1L })

    Assert.NotEqual<string>(
        job.Key,
        Jobs.keyOf
            { job with
                Caption = job.Caption + " quickly"
            }
    )

    Assert.NotEqual<string>(job.Key, Jobs.keyOf { job with Guidance = 4.0 })

    Assert.NotEqual<string>(
        job.Key,
        Jobs.keyOf
            { job with
                Row =
                    { job.Row with
                        Spec =
                            { job.Row.Spec with
                                Schedule = FewerSteps 3
                            }
                    }
            }
    )

[<Fact>]
let ``every repeat-0 job is compared with the reference row's job of its caption`` () =
    let byKey = jobs.Jobs |> List.map (fun j -> j.Key, j) |> Map.ofList

    Assert.All(
        jobs.Comparisons,
        fun (key, reference) ->
            let job, ref = byKey[key], byKey[reference]
            Assert.Equal(0, job.Repeat)
            Assert.Equal(0, ref.Repeat)
            Assert.Equal("dense", ref.Row.Name)
            Assert.Equal(job.CaptionIndex, ref.CaptionIndex)
    )

[<Fact>]
let ``the wrong number of captions is refused by name`` () =
    match expand (List.take 2 captions) with
    | Error e -> Assert.Equal("captions", e.Field)
    | Ok _ -> failwith "expected an error"

[<Property(MaxTest = 200)>]
let ``the merged table does not depend on the order results arrive in, nor on duplicates`` (seed: int) (dupes: byte) =
    let random = System.Random seed
    // Duplicates of one key differ in their timing: the merge must still pick the same one.
    let extra =
        List.init (int dupes % 20) (fun _ -> resultOf (random.Next 5) jobs.Jobs[random.Next jobs.Jobs.Length])

    let extraComparisons =
        List.init (int dupes % 7) (fun _ -> comparisonOf jobs.Comparisons[random.Next jobs.Comparisons.Length])

    let inOrder =
        Jobs.merge 4 jobs (allResults @ extra) (allComparisons @ extraComparisons)

    let shuffled =
        Jobs.merge 4 jobs (shuffle seed (extra @ allResults)) (shuffle (seed + 1) (extraComparisons @ allComparisons))

    same inOrder shuffled

[<Property(MaxTest = 200)>]
let ``no job is lost or counted twice: every timed clip once, missing keys reported`` (seed: int) (dropMask: int) =
    let random = System.Random seed

    let dropped =
        jobs.Jobs |> List.filter (fun _ -> random.Next 4 = 0 && dropMask % 2 = 0)

    let droppedKeys = dropped |> List.map (fun j -> j.Key) |> Set.ofList
    let kept = jobs.Jobs |> List.filter (fun j -> not (droppedKeys.Contains j.Key))
    // Every kept result arrives twice.
    let results = kept @ kept |> List.map (resultOf 0) |> shuffle seed
    let table = Jobs.merge 4 jobs results allComparisons

    let clipsOf row =
        kept |> List.filter (fun j -> j.Row.Name = row) |> List.length

    let judgedOf row =
        kept |> List.filter (fun j -> j.Row.Name = row && j.Repeat = 0) |> List.length

    table.Rows
    |> List.forall (fun t -> t.Clips = clipsOf t.Row && t.Judged = judgedOf t.Row)
    && table.Missing = (dropped |> List.map (fun j -> j.Key))
    && table.Failed.IsEmpty
    && table.Unexpected.IsEmpty

[<Property(MaxTest = 100)>]
let ``a job that failed is reported once with its error, however often it failed`` (seed: int) (times: byte) =
    let random = System.Random seed
    let job = jobs.Jobs[random.Next jobs.Jobs.Length]

    let failures =
        List.init (1 + int times % 4) (fun _ ->
            ({
                Key = job.Key
                Outcome = Failed "bad caption"
            }
            : JobResult))

    let others = allResults |> List.filter (fun r -> r.Key <> job.Key)
    let table = Jobs.merge 4 jobs (shuffle seed (failures @ others)) allComparisons

    table.Failed = [ job, "bad caption" ]
    && table.Missing.IsEmpty
    && (table.Rows |> List.sumBy (fun t -> t.Clips)) = jobs.Jobs.Length - 1

[<Fact>]
let ``a success beats a failure of the same key`` () =
    let job = jobs.Jobs.Head

    let failed: JobResult =
        {
            Key = job.Key
            Outcome = Failed "flaky"
        }

    let table = Jobs.merge 4 jobs (failed :: allResults) allComparisons
    Assert.Empty(table.Failed)

[<Fact>]
let ``results of unknown keys are listed and never counted`` () =
    let stray =
        { resultOf 0 jobs.Jobs.Head with
            Key = "0123456789abcdef"
        }

    let table = Jobs.merge 4 jobs (stray :: allResults) allComparisons
    Assert.Equal<string list>([ "0123456789abcdef" ], table.Unexpected)

    Assert.True(
        same
            table
            { Jobs.merge 4 jobs allResults allComparisons with
                Unexpected = [ "0123456789abcdef" ]
            }
    )

[<Fact>]
let ``a row's tally: median seconds, means in caption order, adherence counts, cache work`` () =
    let table = Jobs.merge 4 jobs allResults allComparisons

    let row name =
        table.Rows |> List.find (fun t -> t.Row = name)

    let rowJobs name =
        jobs.Jobs |> List.filter (fun j -> j.Row.Name = name)

    let measureOf job =
        match (resultOf 0 job).Outcome with
        | Succeeded m -> m
        | Failed _ -> failwith "unexpected"

    let cached = row "cached"

    let seconds =
        rowJobs "cached" |> List.map (fun j -> (measureOf j).Seconds) |> List.sort

    Assert.Equal(6, cached.Clips)
    Assert.Equal((seconds[2] + seconds[3]) / 2.0, cached.MedianSeconds)

    let judged =
        rowJobs "cached"
        |> List.filter (fun j -> j.Repeat = 0)
        |> List.sortBy (fun j -> j.CaptionIndex)

    let blocks = judged |> List.sumBy (fun j -> (measureOf j).BlocksRun.Value)
    Assert.Equal(float blocks / float (6 * 3 * 4), cached.ExecutedFraction)

    let psnr =
        judged
        |> List.map (fun j -> (comparisonOf (j.Key, (jobs.Comparisons |> Map.ofList)[j.Key])).Psnr)

    Assert.Equal((psnr[0] + psnr[1] + psnr[2]) / 3.0, cached.Psnr)
    Assert.Equal(100.0, (row "dense").Psnr)
    Assert.Equal(1.0, (row "dense").MeasuredSpeedup)
    Assert.True(System.Double.IsNaN (row "dense").ExecutedFraction)

    let judgements = judged |> List.map (fun j -> (measureOf j).Judgement.Value)
    Assert.Equal(judgements |> List.filter (fun j -> j.Colour) |> List.length, cached.Colour)
    Assert.Equal(3, cached.Judged)

[<Fact>]
let ``missing comparisons are reported and leave the means to the ones found`` () =
    let table = Jobs.merge 4 jobs allResults (List.tail allComparisons)
    Assert.Equal<(string * string) list>([ jobs.Comparisons.Head ], table.MissingComparisons)

[<Fact>]
let ``a batch is one job per seed, with distinct keys and named outputs`` () =
    let row =
        {
            Name = "rhymeflow"
            Spec =
                {
                    Sampling = jobs.Rows.Head.Spec.Sampling
                    Schedule = Dense
                }
            Reduction = None
            Cache = None
        }

    let request =
        {
            Model = "builtin"
            Caption = "a red circle moves left"
            Seeds = [ 1L; 2L; 3L ]
            Row = row
            Guidance = 5.0
            Output = "clip"
        }

    let batch = Jobs.ofBatch request |> ok
    Assert.Equal<string list>([ "clip-seed1"; "clip-seed2"; "clip-seed3" ], batch |> List.map (fun j -> j.Output))
    Assert.Equal(3, batch |> List.map (fun j -> j.Key) |> List.distinct |> List.length)

    match Jobs.ofBatch { request with Seeds = [ 1L; 1L ] } with
    | Error e -> Assert.Equal("seeds", e.Field)
    | Ok _ -> failwith "expected an error"

    match Jobs.ofBatch { request with Seeds = [] } with
    | Error e -> Assert.Equal("seeds", e.Field)
    | Ok _ -> failwith "expected an error"
