namespace RhymeFlow.Cluster.Grains;

/// <summary>
/// What a worker needs to run any job of a study: the study file's text (each worker expands it into the same jobs),
/// the model's fingerprint, and the results folder that every worker reaches by the same path.
/// </summary>
/// <param name="StudyId">The study's id (<see cref="StudyIds"/>): submitting the same study again finds it.</param>
/// <param name="StudyJson">The study file's text.</param>
/// <param name="Captions">How many of its captions run (the file's, or the command's --captions).</param>
/// <param name="Model">The model's fingerprint (<c>ModelFingerprint</c>); only a worker holding that model takes the jobs.</param>
/// <param name="Results">The shared results folder (absolute path, the same on every worker).</param>
/// <param name="Device">"any", "cpu" or "cuda": the kind of worker that may take the jobs.</param>
/// <param name="LeaseSeconds">How long a job stays with a worker that stops renewing it before it is handed to another.</param>
/// <param name="Layers">The model's block count: the table's share of block work needs it.</param>
/// <param name="BatchCaptions">
/// A generation batch (<c>generate --cluster</c>): each job's caption, in order; null for a study, whose captions are the
/// built-in model's held-out ones.
/// </param>
/// <param name="BatchSeeds">A generation batch: each job's seed, as many as <paramref name="BatchCaptions"/>.</param>
[GenerateSerializer, Immutable]
public sealed record StudySubmission(
    [property: Id(0)] string StudyId,
    [property: Id(1)] string StudyJson,
    [property: Id(2)] int Captions,
    [property: Id(3)] string Model,
    [property: Id(4)] string Results,
    [property: Id(5)] string Device,
    [property: Id(6)] double LeaseSeconds,
    [property: Id(7)] int Layers,
    [property: Id(8)] string[]? BatchCaptions = null,
    [property: Id(9)] long[]? BatchSeeds = null);
