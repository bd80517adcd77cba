namespace RhymeFlow.Core

open System

type VpConfig =
    {
        TrainTimesteps: int
        BetaStart: float
        BetaEnd: float
        SnrShift: float
        ZeroTerminalSnr: bool
    }

type VpLadder =
    {
        Timesteps: int list
        AlphasCumprod: float list
        PreviousAlphas: float list
    }

[<RequireQualifiedAccess>]
module Vp =
    [<CompiledName("CogVideoX5B")>]
    let cogVideoX5B =
        {
            TrainTimesteps = 1000
            BetaStart = 0.00085
            BetaEnd = 0.012
            SnrShift = 1.0
            ZeroTerminalSnr = true
        }

    // torch.linspace(√β₀, √β₁, T, float64) ** 2, the cumulative product of 1 - β, the SNR shift,
    // then (optionally) √ᾱ shifted so that its last value is 0 and scaled so that its first is kept.
    let private alphas (config: VpConfig) =
        let n = config.TrainTimesteps
        let a, b = sqrt config.BetaStart, sqrt config.BetaEnd

        let products =
            Array.init n (fun i ->
                let root = a + (b - a) * float i / float (n - 1)
                1.0 - root * root)
            |> Array.scan (*) 1.0
            |> Array.tail

        let s = config.SnrShift
        let shifted = products |> Array.map (fun x -> x / (s + (1.0 - s) * x))

        if config.ZeroTerminalSnr then
            let first = sqrt shifted[0]
            let last = sqrt shifted[n - 1]

            shifted
            |> Array.map (fun x ->
                let root = (sqrt x - last) * (first / (first - last))
                root * root)
        else
            shifted

    // numpy's round(arange(T, 0, -T/N)) - 1, rounding half to even. For some N (61, 103, ...) the
    // float length ceil(T / (T/N)) is N+1 and numpy appends a timestep -1; only the first N are kept.
    let private trailing n steps =
        let ratio = float n / float steps
        List.init steps (fun k -> int (Math.Round(float n + float k * -ratio, MidpointRounding.ToEven)) - 1)

    let private validateConfig (c: VpConfig) =
        Validate.all
            [
                Validate.atLeast "vp.trainTimesteps" 2 c.TrainTimesteps |> Result.map ignore
                Validate.check
                    (c.BetaStart > 0.0 && c.BetaStart <= c.BetaEnd && c.BetaEnd < 1.0)
                    "vp.beta"
                    $"{c.BetaStart}..{c.BetaEnd}"
                    "0 < start <= end < 1"
                Validate.check
                    (c.SnrShift > 0.0 && not (Double.IsInfinity c.SnrShift))
                    "vp.snrShift"
                    c.SnrShift
                    "> 0 (finite)"
            ]

    [<CompiledName("AlphasCumprod")>]
    let alphasCumprod config = alphas config |> List.ofArray

    [<CompiledName("Ladder")>]
    let ladder config steps =
        validateConfig config
        |> Result.bind (fun () -> Validate.intRange "steps" 1 config.TrainTimesteps "trainTimesteps" steps)
        |> Result.map (fun steps ->
            let all = alphas config
            let timesteps = trailing config.TrainTimesteps steps
            let back = config.TrainTimesteps / steps

            {
                Timesteps = timesteps
                AlphasCumprod = (timesteps |> List.map (fun t -> all[t])) @ [ 1.0 ]
                PreviousAlphas = timesteps |> List.map (fun t -> if t - back >= 0 then all[t - back] else 1.0)
            })

    [<CompiledName("Steps")>]
    let steps ladder = List.length ladder.Timesteps

    [<CompiledName("FlowSigma")>]
    let flowSigma alphaCumprod =
        let p = sqrt alphaCumprod
        let q = sqrt (1.0 - alphaCumprod)
        q / (p + q)
