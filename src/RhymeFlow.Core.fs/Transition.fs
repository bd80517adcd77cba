namespace RhymeFlow.Core

type Blend =
    { StartWeight: float; EndWeight: float }

type PredictionStep = { State: float; Denoised: float }

type VelocityWeights = { OfState: float; OfPrediction: float }

type HeunStep = { StartScale: float; HalfStep: float }

[<RequireQualifiedAccess>]
module Transition =
    // A point of the ladder as (scale s = p + q, flow sigma τ = q / s).
    type private Point = { Scale: float; Tau: float }

    let private vpPoint alpha =
        {
            Scale = sqrt alpha + sqrt (1.0 - alpha)
            Tau = Vp.flowSigma alpha
        }

    // ᾱ of VP point k seen from `start`: the start is decomposed where the model's prediction was
    // made; later points are the levels the solver lands on.
    let private vpAlpha (vp: VpLadder) start k =
        if k = start then
            List.item k vp.AlphasCumprod
        else
            List.item (k - 1) vp.PreviousAlphas

    let private point ladder start k =
        match ladder with
        | FlowSigmas flow ->
            {
                Scale = 1.0
                Tau = List.item k flow.Sigmas
            }
        | VpAlphas vp -> vpPoint (vpAlpha vp start k)

    // (p, q) of a point: the coefficients of x0 and ε.
    let private signalNoise ladder start k =
        match ladder with
        | FlowSigmas flow ->
            let sigma = List.item k flow.Sigmas
            1.0 - sigma, sigma
        | VpAlphas vp ->
            let alpha = vpAlpha vp start k
            sqrt alpha, sqrt (1.0 - alpha)

    // x_j/s_j = (1-α)·x_start/s_start + α·x_stop/s_stop; on a flow ladder the scales are 1.0 and the
    // weights are (1-α, α) exactly.
    let private weights ladder start stop j alpha =
        let first = point ladder start start
        let last = point ladder start stop
        let here = point ladder start j

        {
            StartWeight = here.Scale / first.Scale * (1.0 - alpha)
            EndWeight = here.Scale / last.Scale * alpha
        }

    [<CompiledName("Blend")>]
    let blend ladder start stop j =
        let first = point ladder start start
        let last = point ladder start stop
        let here = point ladder start j
        // The same ratio and clamp as Projection.alpha, so a flow ladder gives its α bit for bit.
        let span = first.Tau - last.Tau

        let alpha =
            if span <= 0.0 then
                1.0
            else
                (first.Tau - here.Tau) / span |> max 0.0 |> min 1.0

        weights ladder start stop j alpha

    [<CompiledName("FromPrediction")>]
    let fromPrediction ladder start j =
        let p0, q0 = signalNoise ladder start start
        let pj, qj = signalNoise ladder start j
        let state = qj / q0

        {
            State = state
            Denoised = pj - p0 * state
        }

    [<CompiledName("Projected")>]
    let projected projection ladder start stop j =
        let flowEquivalent =
            match ladder with
            | FlowSigmas flow -> flow
            | VpAlphas vp -> Sigmas.ofVp vp

        match projection with
        | LinearSigma
        | FoCa _ -> blend ladder start stop j
        | LinearTimestep
        | Frozen ->
            Projection.alpha projection flowEquivalent start stop j
            |> weights ladder start stop j

    // Where the model made its prediction at step k: its own timestep's level (the start of a
    // transition from k).
    let private measured ladder k = point ladder k k

    [<CompiledName("Velocity")>]
    let velocity ladder k =
        match ladder with
        | FlowSigmas _ -> { OfState = 0.0; OfPrediction = 1.0 }
        | VpAlphas _ ->
            let p, q = signalNoise ladder k k

            {
                OfState = q - p
                OfPrediction = p + q
            }

    [<CompiledName("ForecastSlope")>]
    let forecastSlope ladder previous step target =
        let before = measured ladder previous
        let here = measured ladder step
        let last = point ladder step target
        (last.Tau - here.Tau) / 2.0 / (here.Tau - before.Tau)

    [<CompiledName("Heun")>]
    let heun ladder start stop =
        let first = point ladder start start
        let last = point ladder start stop

        {
            StartScale = last.Scale / first.Scale
            HalfStep = last.Scale * ((last.Tau - first.Tau) / 2.0)
        }
