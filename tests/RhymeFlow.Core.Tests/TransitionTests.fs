module RhymeFlow.Core.Tests.TransitionTests

open FsCheck.Xunit
open RhymeFlow.Core
open Xunit

let private orFail r =
    Result.defaultWith (fun (e: ValidationError) -> failwith e.Message) r

/// A group [start, stop) of an N-step ladder and an index j in [start, stop].
type private Group =
    {
        N: int
        Start: int
        Stop: int
        J: int
    }

let private group (steps: int) (start: int) (length: int) (j: int) maxSteps =
    let n = 1 + abs (steps % maxSteps)
    let i = abs (start % n)
    let stop = min n (i + 1 + abs (length % 8))

    {
        N = n
        Start = i
        Stop = stop
        J = i + abs (j % (stop - i + 1))
    }

// (p, q) of ladder point k for a transition from `start`: the coefficients of x0 and ε.
let private signalNoise ladder start k =
    match ladder with
    | FlowSigmas flow ->
        let s = List.item k flow.Sigmas
        1.0 - s, s
    | VpAlphas vp ->
        let a =
            if k = start then
                List.item k vp.AlphasCumprod
            else
                List.item (k - 1) vp.PreviousAlphas

        sqrt a, sqrt (1.0 - a)

[<Property(MaxTest = 500)>]
let ``on a flow ladder the blend is exactly today's linear-sigma projection``
    (steps: int)
    (start: int)
    (length: int)
    (j: int)
    (euler: bool)
    (shiftTenths: byte)
    =
    let g = group steps start length j 100
    let shift = 0.5 + float shiftTenths / 10.0
    let flow = Sigmas.ladder (if euler then Euler else UniPC) shift g.N |> orFail
    let alpha = Projection.alpha LinearSigma flow g.Start g.Stop g.J
    let b = Transition.blend (FlowSigmas flow) g.Start g.Stop g.J

    // Bit for bit, not within a tolerance.
    b.StartWeight = 1.0 - alpha && b.EndWeight = alpha

[<Property(MaxTest = 500)>]
let ``on a VP ladder the blend is finite, runs from the start to the group end, and is monotone``
    (steps: int)
    (start: int)
    (length: int)
    (shift3: bool)
    =
    let g = group steps start length 0 200
    let vp = Sigmas.noiseLadder Ddim (if shift3 then 3.0 else 1.0) g.N |> orFail
    let blends = [ g.Start .. g.Stop ] |> List.map (Transition.blend vp g.Start g.Stop)
    let first, last = List.head blends, List.last blends
    let tolerance = 1e-12

    blends
    |> List.forall (fun b ->
        System.Double.IsFinite b.StartWeight
        && System.Double.IsFinite b.EndWeight
        && b.StartWeight >= 0.0
        && b.StartWeight <= 1.0
        && b.EndWeight >= 0.0
        && b.EndWeight <= 1.0)
    && first = { StartWeight = 1.0; EndWeight = 0.0 }
    && last = { StartWeight = 0.0; EndWeight = 1.0 }
    && List.pairwise blends
       |> List.forall (fun (a, b) ->
           b.StartWeight <= a.StartWeight + tolerance
           && b.EndWeight >= a.EndWeight - tolerance)

[<Property(MaxTest = 500)>]
let ``the blend and the prediction step are the DDIM update along the start's x0 and noise``
    (steps: int)
    (start: int)
    (length: int)
    (j: int)
    (kind: byte)
    (x0Hundredths: sbyte)
    (noiseHundredths: sbyte)
    =
    let g = group steps start length j 200
    let solver = [| Euler; UniPC; Ddim |][int kind % 3]
    let ladder = Sigmas.noiseLadder solver 3.0 g.N |> orFail
    let x0 = float x0Hundredths / 40.0
    let noise = float noiseHundredths / 40.0

    let state k =
        let p, q = signalNoise ladder g.Start k
        p * x0 + q * noise

    let xStart, xStop, expected = state g.Start, state g.Stop, state g.J
    let b = Transition.blend ladder g.Start g.Stop g.J
    let blended = b.StartWeight * xStart + b.EndWeight * xStop

    let near (a: float) =
        abs (a - expected) <= 1e-9 * (1.0 + abs expected)

    let stepped =
        if g.J = g.Start then
            true
        else
            let s = Transition.fromPrediction ladder g.Start g.J
            near (s.State * xStart + s.Denoised * x0)

    near blended && stepped

[<Fact>]
let ``one prediction step is diffusers' DDIM step on VP and Euler on flow`` () =
    let vp = Sigmas.noiseLadder Ddim 1.0 10 |> orFail
    let all = Vp.alphasCumprod Vp.cogVideoX5B |> Array.ofList
    // Step 3 at t = 699 lands on t = 599 (README: A = √((1-a_prev)/(1-a_t)), x0 weight √a_prev - √a_t·A).
    let at, prev = all[699], all[599]
    let a = sqrt ((1.0 - prev) / (1.0 - at))
    let s = Transition.fromPrediction vp 3 4
    Assert.Equal(a, s.State, 14)
    Assert.Equal(sqrt prev - sqrt at * a, s.Denoised, 14)

    // The first step from pure noise (ᾱ = 0 at t = 999) and the last onto clean data stay finite.
    let first = Transition.fromPrediction vp 0 1
    Assert.Equal(sqrt (1.0 - all[899]), first.State, 14)
    Assert.Equal(sqrt all[899], first.Denoised, 14)
    let final = Transition.fromPrediction vp 9 10
    Assert.Equal(0.0, final.State)
    Assert.Equal(1.0, final.Denoised)

    let flow = Sigmas.ladder Euler 3.0 10 |> orFail
    let sigma = Array.ofList flow.Sigmas
    let e = Transition.fromPrediction (FlowSigmas flow) 2 5
    Assert.Equal(sigma[5] / sigma[2], e.State, 14)
    Assert.Equal(1.0 - sigma[5] / sigma[2], e.Denoised, 14)
