namespace RhymeFlow.Core

/// The noise schedule of a variance-preserving (VP) sampler as diffusers' CogVideoX schedulers
/// configure it (the host's VpScheduleConfig): scaled-linear betas (linear in √β), an SNR shift and
/// optionally the zero-terminal-SNR rescale (Lin et al. 2023).
type VpConfig =
    {
        /// T, the training timesteps (1000).
        TrainTimesteps: int
        BetaStart: float
        BetaEnd: float
        /// SD3-style SNR shift: ᾱ ← ᾱ / (s + (1 - s)·ᾱ); 1 is the identity (CogVideoX 5B).
        SnrShift: float
        /// Whether ᾱ is rescaled so that its last value is exactly 0.
        ZeroTerminalSnr: bool
    }

/// A VP ladder for N steps, as diffusers' CogVideoXDDIMScheduler lays it out: trailing spacing,
/// v-prediction, set_alpha_to_one. Invariants: Timesteps has N entries, strictly decreasing, in
/// [0, T); AlphasCumprod has N+1 entries, ᾱ at each step's timestep and then 1 (the clean end),
/// strictly increasing; PreviousAlphas has N entries, the ᾱ that DDIM step i lands on:
/// ᾱ[t_i - T/N] (integer division), or 1 where that index is negative. It equals AlphasCumprod[i+1]
/// exactly when N divides T; otherwise it is diffusers' quirk, kept as the host's solver keeps it.
/// For some N (61, 103, 121, ...) numpy's trailing table has N+1 entries, the last -1; the ladder
/// keeps the first N.
type VpLadder =
    {
        Timesteps: int list
        AlphasCumprod: float list
        PreviousAlphas: float list
    }

[<RequireQualifiedAccess>]
module Vp =
    /// The CogVideoX 5B family's scheduler config (CogVideoX1.5-5B included): T 1000, β from 0.00085
    /// to 0.012, SNR shift 1, zero terminal SNR.
    [<CompiledName("CogVideoX5B")>]
    val cogVideoX5B: VpConfig

    /// ᾱ per training timestep (T entries) after the SNR shift and the rescale, in float64 as
    /// diffusers keeps it. With ZeroTerminalSnr the last entry is exactly 0.
    [<CompiledName("AlphasCumprod")>]
    val alphasCumprod: config: VpConfig -> float list

    /// The ladder for `steps` steps. Errors name `vp.trainTimesteps` (>= 2), `vp.beta` (0 < start <=
    /// end < 1), `vp.snrShift` (> 0) or `steps` (1..T).
    [<CompiledName("Ladder")>]
    val ladder: config: VpConfig -> steps: int -> Result<VpLadder, ValidationError>

    /// N, the number of steps of a VP ladder.
    [<CompiledName("Steps")>]
    val steps: ladder: VpLadder -> int

    /// The flow sigma of a VP noise level ᾱ: √(1-ᾱ) / (√ᾱ + √(1-ᾱ)). A VP state √ᾱ·x0 + √(1-ᾱ)·ε
    /// divided by √ᾱ + √(1-ᾱ) is the flow state (1-σ)·x0 + σ·ε. Strictly decreasing from 1 at ᾱ = 0
    /// to 0 at ᾱ = 1.
    [<CompiledName("FlowSigma")>]
    val flowSigma: alphaCumprod: float -> float
