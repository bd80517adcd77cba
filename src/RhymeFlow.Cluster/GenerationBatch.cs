using System.Text.Json.Nodes;
using RhymeFlow.Core;

namespace RhymeFlow.Cluster;

/// <summary>A batch's step cache: which one, and the threshold it skips steps under.</summary>
public sealed record BatchStepCache(StepCacheKind Kind, double Threshold);

/// <summary>
/// A generation batch as a study, so that it runs on the study's grains and workers unchanged: one row, the batch's
/// schedule (with its AsymRnR reduction and step cache, when given), which is also its own reference, and one job per
/// caption and seed.
/// </summary>
public static class GenerationBatch
{
    /// <summary>The row's name, and the study's.</summary>
    public const string RowName = "generate";

    /// <summary>
    /// The study file's text for <paramref name="clips"/> clips under <paramref name="schedule"/>, with
    /// <paramref name="reduction"/> (null or no reduction: dense attention) and <paramref name="cache"/> (null: every
    /// step runs the block stack).
    /// </summary>
    public static string StudyJson(
        ScheduleSpec schedule,
        double guidance,
        int clips,
        TokenReductionSpec? reduction = null,
        BatchStepCache? cache = null)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var spec = JsonNode.Parse(schedule.ToJson())!.AsObject();
        var row = new JsonObject { ["name"] = RowName, ["schedule"] = spec["schedule"]!.DeepClone() };
        if (reduction is not null && reduction.Kind != ReductionPolicyKind.None)
        {
            // The row carries the whole spec as the study format reads it: a rule, a profile or a file's spec alike.
            row["reduction"] = JsonNode.Parse(reduction.ToJson());
        }

        if (cache is not null)
        {
            row["cache"] = new JsonObject
            {
                ["kind"] = cache.Kind switch
                {
                    StepCacheKind.TeaCache => "teaCache",
                    StepCacheKind.FirstBlock => "firstBlockCache",
                    _ => throw new ArgumentOutOfRangeException(nameof(cache), cache.Kind, "expected TeaCache or FirstBlock."),
                },
                ["threshold"] = JsonValue.Create(cache.Threshold),
            };
        }

        var study = new JsonObject
        {
            ["name"] = RowName,
            ["model"] = "builtin",
            ["captions"] = clips,
            ["guidance"] = JsonValue.Create(guidance),
            ["sampling"] = spec["sampling"]!.DeepClone(),
            ["reference"] = RowName,
            ["repeats"] = 1,
            ["rows"] = new JsonArray(row),
        };
        return study.ToJsonString();
    }
}
