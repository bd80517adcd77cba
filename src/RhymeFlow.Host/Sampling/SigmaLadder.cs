namespace RhymeFlow.Host.Sampling;

internal static class SigmaLadder
{
    public static double[] Validate(IReadOnlyList<double> sigmas)
    {
        ArgumentNullException.ThrowIfNull(sigmas);
        if (sigmas.Count < 2)
        {
            throw new ArgumentException($"A sigma ladder needs at least 2 entries (N steps give N + 1 sigmas); got {sigmas.Count}.", nameof(sigmas));
        }

        for (var i = 0; i < sigmas.Count; i++)
        {
            var sigma = sigmas[i];
            if (!double.IsFinite(sigma) || sigma < 0 || sigma > 1)
            {
                throw new ArgumentException($"sigmas[{i}] = {sigma} is out of range: expected a value in [0, 1].", nameof(sigmas));
            }

            if (i > 0 && sigma >= sigmas[i - 1])
            {
                throw new ArgumentException($"sigmas[{i}] = {sigma} does not decrease from sigmas[{i - 1}] = {sigmas[i - 1]}.", nameof(sigmas));
            }
        }

        return sigmas.ToArray();
    }

    public static void CheckStep(double[] sigmas, int step)
    {
        if (step < 0 || step >= sigmas.Length - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, $"step is out of range: expected 0..{sigmas.Length - 2} for a {sigmas.Length - 1}-step ladder.");
        }
    }
}
