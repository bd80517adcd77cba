using RhymeFlow.Core;
using RhymeFlow.Host.Media;

namespace RhymeFlow.Cluster;

/// <summary>One finished job of a generation batch: the job (caption, seed), its result and its clip.</summary>
public sealed record BatchClip(StudyJob Job, JobResultRecord Result, VideoClip Clip);
