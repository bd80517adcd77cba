namespace RhymeFlow.Host.Sampling;

/// <summary>
/// Scalar coefficients of UniPC (B(h) = e^h - 1, "bh2") in data prediction for flow sigmas, where
/// alpha = 1 - sigma and lambda = log(alpha) - log(sigma). Computed in double on the host so the
/// update itself is a handful of fused tensor ops and never reads the device.
/// </summary>
internal static class UniPcCoefficients
{
    /// <summary>x_next = SampleScale·x + OutputScale·m0 + HistoryScale·m1 (m1 unused at order 1).</summary>
    public readonly record struct Update(double SampleScale, double OutputScale, double HistoryScale, double FreshScale);

    /// <summary>The predictor from step <paramref name="step"/> to step + 1.</summary>
    public static Update Predictor(double[] sigmas, int step, int order)
    {
        var (alphaT, sigmaT, lambdaT) = Point(sigmas[step + 1]);
        var (_, sigmaS0, lambdaS0) = Point(sigmas[step]);
        var hh = -(lambdaT - lambdaS0);
        var hPhi1 = double.ExpM1(hh);
        var bH = double.ExpM1(hh);
        var sampleScale = sigmaT / sigmaS0;
        if (order == 1)
        {
            return new Update(sampleScale, -alphaT * hPhi1, 0, 0);
        }

        // Order 2 uses the simplified rho_p = 1/2 on D1 = (m1 - m0) / r1.
        var (_, _, lambdaS1) = Point(sigmas[step - 1]);
        var r1 = (lambdaS1 - lambdaS0) / (lambdaT - lambdaS0);
        var history = -alphaT * bH * 0.5 / r1;
        return new Update(sampleScale, -alphaT * hPhi1 - history, history, 0);
    }

    /// <summary>
    /// The corrector of the sample at <paramref name="step"/>, made by the predictor from step - 1:
    /// x_c = SampleScale·x_{step-1} + OutputScale·m0 + HistoryScale·m1 + FreshScale·m_t, with m0 the
    /// data prediction at step - 1, m1 at step - 2 and m_t the fresh one at step.
    /// </summary>
    public static Update Corrector(double[] sigmas, int step, int order)
    {
        var (alphaT, sigmaT, lambdaT) = Point(sigmas[step]);
        var (_, sigmaS0, lambdaS0) = Point(sigmas[step - 1]);
        var h = lambdaT - lambdaS0;
        var hh = -h;
        var hPhi1 = double.ExpM1(hh);
        var bH = double.ExpM1(hh);
        var sampleScale = sigmaT / sigmaS0;
        var baseOutput = -alphaT * hPhi1;
        if (order == 1)
        {
            // rho_c = 1/2 on D1_t = m_t - m0.
            var fresh = -alphaT * bH * 0.5;
            return new Update(sampleScale, baseOutput - fresh, 0, fresh);
        }

        var (_, _, lambdaS1) = Point(sigmas[step - 2]);
        var r1 = (lambdaS1 - lambdaS0) / h;

        // Solve R·rho = b for R = [[1, 1], [r1, 1]], b_k = h_phi_k · k! / B(h).
        var hPhiK = hPhi1 / hh - 1;
        var b1 = hPhiK / bH;
        hPhiK = hPhiK / hh - 0.5;
        var b2 = hPhiK * 2 / bH;
        var determinant = 1 - r1;
        var rho1 = (b1 - b2) / determinant;
        var rho2 = (b2 - r1 * b1) / determinant;

        var historyD1 = -alphaT * bH * rho1 / r1;
        var freshD1 = -alphaT * bH * rho2;
        return new Update(sampleScale, baseOutput - historyD1 - freshD1, historyD1, freshD1);
    }

    private static (double Alpha, double Sigma, double Lambda) Point(double sigma)
    {
        var alpha = 1 - sigma;
        return (alpha, sigma, Math.Log(alpha) - Math.Log(sigma));
    }
}
