namespace RhymeFlow.Host.Evaluation;

/// <summary>Follows each palette colour through the frames: its largest connected region per frame, measured.</summary>
/// <remarks>
/// Objects of one clip differ in colour, so one track per colour suffices. Connected components (4-neighbour, alpha ≥ 0.5)
/// keep stray specks of a colour from joining the object; the soft measurements then use every pixel of that colour
/// within a pixel of the component's box, so anti-aliased edges count with their alpha.
/// </remarks>
internal static class ObjectTracker
{
    private const float CoreAlpha = 0.5f;
    private const float SolidAlpha = 0.9f;
    private const int MinimumComponent = 2;

    /// <summary>Per palette index, the frames in which that colour forms an object (possibly none).</summary>
    public static List<ObjectFrame>[] Track(ForegroundModel model, int colours)
    {
        var tracks = Enumerable.Range(0, colours).Select(_ => new List<ObjectFrame>()).ToArray();
        var plane = model.Height * model.Width;
        var visited = new int[plane];
        var stamp = 0;
        var queue = new Queue<int>();
        var component = new List<int>();
        var best = new List<int>();
        for (var f = 0; f < model.Frames; f++)
        {
            for (var k = 0; k < colours; k++)
            {
                best.Clear();
                stamp++;
                for (var p = 0; p < plane; p++)
                {
                    if (visited[p] == stamp || !IsCore(model, f, p, k))
                    {
                        continue;
                    }

                    component.Clear();
                    visited[p] = stamp;
                    queue.Enqueue(p);
                    while (queue.Count > 0)
                    {
                        var q = queue.Dequeue();
                        component.Add(q);
                        var (y, x) = Math.DivRem(q, model.Width);
                        Visit(q - model.Width, y > 0);
                        Visit(q + model.Width, y < model.Height - 1);
                        Visit(q - 1, x > 0);
                        Visit(q + 1, x < model.Width - 1);
                    }

                    if (component.Count > best.Count)
                    {
                        best.Clear();
                        best.AddRange(component);
                    }
                }

                if (best.Count >= MinimumComponent)
                {
                    tracks[k].Add(Measure(model, f, k, best));
                }

                void Visit(int q, bool inside)
                {
                    if (inside && visited[q] != stamp && IsCore(model, f, q, k))
                    {
                        visited[q] = stamp;
                        queue.Enqueue(q);
                    }
                }
            }
        }

        return tracks;
    }

    private static bool IsCore(ForegroundModel model, int f, int p, int k)
    {
        var i = (f * model.Height * model.Width) + p;
        return model.Labels[i] == k && model.Alpha[i] >= CoreAlpha;
    }

    private static ObjectFrame Measure(ForegroundModel model, int f, int k, List<int> core)
    {
        var (w, h) = (model.Width, model.Height);
        int x0 = w, y0 = h, x1 = -1, y1 = -1;
        foreach (var p in core)
        {
            var (y, x) = Math.DivRem(p, w);
            (x0, x1, y0, y1) = (Math.Min(x0, x), Math.Max(x1, x), Math.Min(y0, y), Math.Max(y1, y));
        }

        (x0, y0, x1, y1) = (Math.Max(0, x0 - 1), Math.Max(0, y0 - 1), Math.Min(w - 1, x1 + 1), Math.Min(h - 1, y1 + 1));
        var columnMax = new double[x1 - x0 + 1];
        var rowMax = new double[y1 - y0 + 1];
        double area = 0, sx = 0, sy = 0;
        double solidWeight = 0, coreWeight = 0;
        var solid = new double[3];
        var coreColour = new double[3];
        var plane = w * h;
        for (var y = y0; y <= y1; y++)
        {
            for (var x = x0; x <= x1; x++)
            {
                var i = (f * plane) + (y * w) + x;
                if (model.Labels[i] != k)
                {
                    continue;
                }

                double a = model.Alpha[i];
                area += a;
                sx += a * (x + 0.5);
                sy += a * (y + 0.5);
                columnMax[x - x0] = Math.Max(columnMax[x - x0], a);
                rowMax[y - y0] = Math.Max(rowMax[y - y0], a);
                for (var c = 0; c < 3; c++)
                {
                    var value = model.Rgb[(((c * model.Frames) + f) * plane) + (y * w) + x];
                    if (a >= SolidAlpha)
                    {
                        solid[c] += value;
                    }

                    if (a >= CoreAlpha)
                    {
                        coreColour[c] += value;
                    }
                }

                solidWeight += a >= SolidAlpha ? 1 : 0;
                coreWeight += a >= CoreAlpha ? 1 : 0;
            }
        }

        // Solid pixels show the object's own colour; fall back to the core when an object is too small to have any.
        var (colour, weight) = solidWeight > 0 ? (solid, solidWeight) : (coreColour, coreWeight);
        return new ObjectFrame(
            f, sx / area, sy / area, area, columnMax.Sum(), rowMax.Sum(),
            (float)(colour[0] / weight), (float)(colour[1] / weight), (float)(colour[2] / weight));
    }
}
