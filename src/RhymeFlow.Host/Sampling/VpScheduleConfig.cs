namespace RhymeFlow.Host.Sampling;

/// <summary>
/// The noise schedule of a variance-preserving (VP) sampler as diffusers' CogVideoX schedulers configure it: scaled
/// linear betas, an SNR shift, an optional zero-terminal-SNR rescale, trailing timestep spacing, v-prediction and
/// <c>set_alpha_to_one</c>.
/// </summary>
/// <param name="NumTrainTimesteps">Training timesteps (1000).</param>
/// <param name="BetaStart">First beta of the scaled-linear schedule (linear in √β).</param>
/// <param name="BetaEnd">Last beta.</param>
/// <param name="SnrShiftScale">SD3-style SNR shift: ᾱ ← ᾱ / (s + (1 − s) ᾱ); 1 is the identity (CogVideoX 5B), 3 for 2B.</param>
/// <param name="RescaleBetasZeroSnr">Whether ᾱ is rescaled so that its last value is exactly 0 (Lin et al. 2023).</param>
public sealed record VpScheduleConfig(int NumTrainTimesteps, double BetaStart, double BetaEnd, double SnrShiftScale, bool RescaleBetasZeroSnr)
{
    /// <summary>
    /// The scheduler config of the CogVideoX 5B family (CogVideoX1.5-5B included), as diffusers' conversion script
    /// writes it: 1000 steps, β from 0.00085 to 0.012, SNR shift 1, zero terminal SNR.
    /// </summary>
    public static VpScheduleConfig CogVideoX5B { get; } = new(1000, 0.00085, 0.012, 1.0, true);
}
