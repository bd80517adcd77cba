/// The study, captions, results and comparisons the job tests share.
module RhymeFlow.Core.Tests.JobsFixture

open FsCheck
open FsCheck.FSharp
open RhymeFlow.Core

/// Three rows, three captions, two repeats: 18 jobs, 9 of them judged and compared.
let studyJson =
    """{
  "name": "jobs", "captions": 3, "repeats": 2, "reference": "dense",
  "sampling": { "solver": "unipc", "shift": 3, "steps": 6 },
  "rows": [
    { "name": "dense" },
    { "name": "again" },
    { "name": "cached", "cache": { "kind": "firstBlockCache", "threshold": 0.1 } }
  ]
}"""

let captions =
    [
        "a red circle moves left", 11L
        "a blue square is still", 22L
        "a green triangle moves up", 33L
    ]

let ok r =
    match r with
    | Ok v -> v
    | Error(e: ValidationError) -> failwith e.Message

let expand captions =
    let study = Json.readStudy studyJson |> ok
    let rows = Study.resolve Cost.mini study |> ok
    Jobs.ofStudy "builtin" study rows captions

let jobs = expand captions |> ok

// Not String.GetHashCode: that differs from process to process.
let stableHash (key: string) =
    key |> Seq.fold (fun h c -> (h * 31 + int c) % 1000) 7

/// A result for `job` that depends on the job only (and a variant, for duplicates that differ).
let resultOf variant (job: Job) : JobResult =
    let h = stableHash job.Key

    {
        Key = job.Key
        Outcome =
            Succeeded
                {
                    Seconds = 0.5 + float ((h + variant) % 97) / 100.0
                    Judgement =
                        Some
                            {
                                Count = h % 2 = 0
                                Colour = h % 3 = 0
                                Shape = true
                                Motion = h % 5 <> 0
                                Speed = h % 7 <> 0
                                Adherence = float (h % 11) / 10.0 + 0.1
                            }
                    BlocksRun = if job.Row.Cache.IsSome then Some(h % 20) else None
                    ComputedSteps = if job.Row.Cache.IsSome then Some(h % 6) else None
                }
    }

let comparisonOf (key, reference) : JobComparison =
    let h = stableHash key

    {
        Key = key
        Reference = reference
        Psnr = if key = reference then 100.0 else 20.0 + float h / 37.0
        Ssim = if key = reference then 1.0 else float h / 1000.0
    }

let allResults = jobs.Jobs |> List.map (resultOf 0)
let allComparisons = jobs.Comparisons |> List.map comparisonOf

let shuffle (seed: int) (xs: 'T list) =
    let random = System.Random seed
    xs |> List.map (fun x -> random.Next(), x) |> List.sortBy fst |> List.map snd

/// Equal tables, NaN equal to NaN (a row without a cache has a NaN executed fraction), which `=`
/// does not give; every double compared by its bits.
let same (a: JobTable) (b: JobTable) =
    let bits (t: JobTable) =
        t.Rows
        |> List.map (fun r ->
            r.Row,
            [
                r.MedianSeconds
                r.MeasuredSpeedup
                r.MeanAdherence
                r.Psnr
                r.Ssim
                r.ExecutedFraction
                r.ComputedSteps
            ]
            |> List.map System.BitConverter.DoubleToInt64Bits,
            [ r.Clips; r.Judged; r.Count; r.Colour; r.Shape; r.Motion; r.Speed; r.All ])

    bits a = bits b
    && a.Missing = b.Missing
    && a.Failed = b.Failed
    && a.MissingComparisons = b.MissingComparisons
    && a.Unexpected = b.Unexpected
