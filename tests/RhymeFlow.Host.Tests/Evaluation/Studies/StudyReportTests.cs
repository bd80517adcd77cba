using RhymeFlow.Core;
using RhymeFlow.Host.Evaluation;
using RhymeFlow.Host.Evaluation.Studies;

namespace RhymeFlow.Host.Tests.Evaluation.Studies;

/// <summary>The report states each goal as a result, from the rows' figures.</summary>
public sealed class StudyReportTests
{
    private const string Study = """
        {
          "name": "goals", "captions": 10, "reference": "dense",
          "sampling": { "solver": "unipc", "shift": 3, "steps": 30 },
          "rows": [
            { "name": "dense" },
            { "name": "rhymeflow", "schedule": { "kind": "rhymeFlow", "warmupSteps": 6, "budget": 2,
                "strategy": { "kind": "uniform" }, "skip": { "kind": "fixed", "k": 3 },
                "projection": { "kind": "linearSigma" }, "context": { "kind": "layerKv" }, "coupling": "schedulerApprox" } },
            { "name": "fewer", "schedule": { "kind": "fewerSteps", "steps": 15 } },
            { "name": "tea", "cache": { "kind": "teaCache", "threshold": 0.2 } }
          ]
        }
        """;

    [Fact]
    public void GoalsAreStatedAsMetOrMissedWithTheMargin()
    {
        var plan = StudyPlan.FromJson(Study, Geometries.Mini);
        var rows = new[]
        {
            Row(plan.Rows[0], speedup: 1, psnr: 100, colour: 9),
            Row(plan.Rows[1], speedup: 1.9, psnr: 30, colour: 8),
            Row(plan.Rows[2], speedup: 2.0, psnr: 28, colour: 9),
            Row(plan.Rows[3], speedup: 1.5, psnr: 31, colour: 9) with { ExecutedFraction = 0.5 },
        };
        var result = new StudyResult(plan, rows, "a caption", [], "a machine", DateTimeOffset.UnixEpoch, TimeSpan.FromMinutes(3));

        var markdown = StudyReport.Markdown(result, "rhymeflow study goals.json", "images/p.png", null);

        Assert.Contains("rhymeflow study goals.json", markdown);
        Assert.Contains("against fewer steps** (`fewer`, the nearest in measured speedup, 2.00x): 30.00 against 28.00 dB, met by 2.00 dB.", markdown);
        Assert.Contains("against TeaCache** (`tea`, the nearest in measured speedup, 1.50x): 30.00 against 31.00 dB, missed by 1.00 dB.", markdown);
        Assert.Contains("the largest drop is colour, 10.0 points: missed.", markdown);
        Assert.Contains("| tea | TeaCache | 1.50x | 2.00x | 50% |", markdown);
        Assert.Contains("![Measured speedup against PSNR", markdown);
        Assert.DoesNotContain("Contact sheet", markdown);
    }

    private static StudyRowResult Row(StudyRowPlan row, double speedup, double psnr, int colour)
    {
        var right = new AttributeAccuracy(colour, 10);
        var adherence = new AdherenceSummary(right, new(5, 10), new(5, 10), new(5, 10), new(10, 10), new(2, 10), 0.5);
        return new StudyRowResult(row, 2.0 / speedup, speedup, double.NaN, double.NaN, psnr, 0.9, adherence);
    }
}
