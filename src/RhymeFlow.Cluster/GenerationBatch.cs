using System.Text.Json.Nodes;
using RhymeFlow.Core;

namespace RhymeFlow.Cluster;

/// <summary>
/// A generation batch as a study, so that it runs on the study's grains and workers unchanged: one row, the batch's
/// schedule, which is also its own reference, and one job per caption and seed.
/// </summary>
public static class GenerationBatch
{
    /// <summary>The row's name, and the study's.</summary>
    public const string RowName = "generate";

    /// <summary>The study file's text for <paramref name="clips"/> clips under <paramref name="schedule"/>.</summary>
    public static string StudyJson(ScheduleSpec schedule, double guidance, int clips)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var spec = JsonNode.Parse(schedule.ToJson())!.AsObject();
        var study = new JsonObject
        {
            ["name"] = RowName,
            ["model"] = "builtin",
            ["captions"] = clips,
            ["guidance"] = JsonValue.Create(guidance),
            ["sampling"] = spec["sampling"]!.DeepClone(),
            ["reference"] = RowName,
            ["repeats"] = 1,
            ["rows"] = new JsonArray(new JsonObject { ["name"] = RowName, ["schedule"] = spec["schedule"]!.DeepClone() }),
        };
        return study.ToJsonString();
    }
}
