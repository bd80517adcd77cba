/// The study's pictures: the Pareto plot of measured speedup against PSNR (ScottPlot), and the contact sheet of one
/// caption under the sheet rows.
module RhymeFlow.Cli.Commands.StudyPictures

open System.IO
open ScottPlot
open RhymeFlow.Core
open RhymeFlow.Host.Evaluation.Studies
open RhymeFlow.Host.Media

let private styles =
    [
        StudyMethodKind.RhymeFlow, MarkerShape.FilledCircle, Colors.Crimson
        StudyMethodKind.RhymeFlowAsymRnR, MarkerShape.FilledDiamond, Colors.DarkMagenta
        StudyMethodKind.FewerSteps, MarkerShape.FilledSquare, Colors.SteelBlue
        StudyMethodKind.TeaCache, MarkerShape.FilledTriangleUp, Colors.SeaGreen
        StudyMethodKind.FirstBlockCache, MarkerShape.FilledTriangleDown, Colors.DarkOrange
        StudyMethodKind.AsymRnR, MarkerShape.OpenCircle, Colors.SlateGray
    ]

/// Writes the PNG through a temporary file, so a reader never sees half a picture.
let private save (plot: Plot) (path: string) =
    let temporary = path + ".tmp.png"
    plot.SavePng(temporary, 1100, 600) |> ignore
    File.Move(temporary, path, true)

/// Speedup across, PSNR up: every row but the reference, one marker style per method, each point named.
let pareto (result: StudyResult) (path: string) =
    use plot = new Plot()
    plot.Title $"{result.Plan.Name} ({result.Plan.Captions} captions)"
    plot.XLabel $"measured speedup over {result.Plan.Reference}"
    plot.YLabel $"PSNR against {result.Plan.Reference} (dB)"

    let rows =
        result.Rows
        |> Seq.filter (fun r -> r.Name <> result.Plan.Reference)
        |> Array.ofSeq

    for method, shape, colour in styles do
        let points = rows |> Array.filter (fun r -> r.Method = method)

        if points.Length > 0 then
            let series =
                plot.Add.ScatterPoints(
                    points |> Array.map (fun r -> r.MeasuredSpeedup),
                    points |> Array.map (fun r -> r.Psnr)
                )

            series.MarkerShape <- shape
            series.MarkerSize <- 11.0f
            series.Color <- colour
            series.LegendText <- StudyReport.MethodName method

            for r in points do
                let label = plot.Add.Text(r.Name, r.MeasuredSpeedup, r.Psnr)
                label.LabelFontSize <- 9.0f
                label.LabelFontColor <- colour
                label.OffsetX <- 7.0f
                label.OffsetY <- -6.0f

    let dense = plot.Add.VerticalLine 1.0
    dense.Color <- Colors.Gray.WithAlpha 0.6
    dense.LinePattern <- LinePattern.Dashed
    dense.LegendText <- $"{result.Plan.Reference} (1x)"
    plot.ShowLegend(Edge.Right) |> ignore
    plot.Axes.Margins(0.08, 0.08)
    save plot path

/// The sheet caption under every sheet row, every third frame, a row per method.
let sheet (result: StudyResult) (path: string) =
    let clips =
        result.SheetClips |> Seq.map (fun struct (_, clip) -> clip) |> Array.ofSeq

    PngWriter.Write(path, ContactSheet.FromClips(clips, frameStep = 3, scale = 2))
