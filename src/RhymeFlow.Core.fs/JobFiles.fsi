namespace RhymeFlow.Core

/// The files of a results folder: a job's result and a comparison as small JSON documents.
/// Non-finite numbers are written as strings ("NaN", "Infinity") and read back.
[<RequireQualifiedAccess>]
module JobFiles =
    /// A result as the small JSON file the results folder keeps per job.
    [<CompiledName("WriteResult")>]
    val writeResult: job: Job -> result: JobResult -> string

    [<CompiledName("ReadResult")>]
    val readResult: json: string -> Result<JobResult, ValidationError>

    [<CompiledName("WriteComparison")>]
    val writeComparison: comparison: JobComparison -> string

    [<CompiledName("ReadComparison")>]
    val readComparison: json: string -> Result<JobComparison, ValidationError>
