namespace RhymeFlow.Host.Acceleration.StepCaching;

/// <summary>
/// Dense least squares by Householder QR: a Vandermonde matrix of small changes (x ≈ 0.01..0.5, x⁴ ≈ 1e-8) is too
/// ill-conditioned for the normal equations, which square its condition number.
/// </summary>
internal static class LeastSquares
{
    /// <summary>The x minimising ‖A·x − b‖₂ for a full-column-rank A (m ≥ n).</summary>
    public static double[] Solve(double[,] a, double[] b)
    {
        var (m, n) = (a.GetLength(0), a.GetLength(1));
        var r = (double[,])a.Clone();
        var qtb = (double[])b.Clone();

        // Scaling the columns first keeps tiny high powers from being treated as rank loss.
        var scale = new double[n];
        for (var j = 0; j < n; j++)
        {
            var norm = Math.Sqrt(Enumerable.Range(0, m).Sum(i => r[i, j] * r[i, j]));
            scale[j] = norm == 0 ? 1 : norm;
            for (var i = 0; i < m; i++)
            {
                r[i, j] /= scale[j];
            }
        }

        for (var k = 0; k < n; k++)
        {
            var norm = Math.Sqrt(Enumerable.Range(k, m - k).Sum(i => r[i, k] * r[i, k]));
            if (norm < 1e-12)
            {
                throw new ArgumentException("The samples do not determine the polynomial (too few distinct input changes).", nameof(a));
            }

            var alpha = r[k, k] > 0 ? -norm : norm;
            var v = new double[m];
            v[k] = r[k, k] - alpha;
            for (var i = k + 1; i < m; i++)
            {
                v[i] = r[i, k];
            }

            var vv = Enumerable.Range(k, m - k).Sum(i => v[i] * v[i]);
            if (vv == 0)
            {
                continue;
            }

            for (var j = k; j < n; j++)
            {
                var dot = Enumerable.Range(k, m - k).Sum(i => v[i] * r[i, j]);
                for (var i = k; i < m; i++)
                {
                    r[i, j] -= 2 * dot / vv * v[i];
                }
            }

            var dotB = Enumerable.Range(k, m - k).Sum(i => v[i] * qtb[i]);
            for (var i = k; i < m; i++)
            {
                qtb[i] -= 2 * dotB / vv * v[i];
            }
        }

        var x = new double[n];
        for (var k = n - 1; k >= 0; k--)
        {
            var sum = qtb[k];
            for (var j = k + 1; j < n; j++)
            {
                sum -= r[k, j] * x[j];
            }

            x[k] = sum / r[k, k];
        }

        for (var j = 0; j < n; j++)
        {
            x[j] /= scale[j];
        }

        return x;
    }
}
