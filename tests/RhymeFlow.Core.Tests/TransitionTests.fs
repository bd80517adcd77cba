module RhymeFlow.Core.Tests.TransitionTests

open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open RhymeFlow.Core

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

let private rules = [| LinearSigma; LinearTimestep; FoCa false; FoCa true; Frozen |]

[<Property(MaxTest = 500)>]
let ``on a flow ladder every projection rule is exactly today's flow rule``
    (steps: int)
    (start: int)
    (length: int)
    (j: int)
    (euler: bool)
    (shiftTenths: byte)
    (rule: byte)
    =
    let g = group steps start length j 100
    let shift = 0.5 + float shiftTenths / 10.0
    let flow = Sigmas.ladder (if euler then Euler else UniPC) shift g.N |> orFail
    let projection = rules[int rule % rules.Length]
    let alpha = Projection.alpha projection flow g.Start g.Stop g.J
    let b = Transition.projected projection (FlowSigmas flow) g.Start g.Stop g.J

    b.StartWeight = 1.0 - alpha && b.EndWeight = alpha

[<Property(MaxTest = 500)>]
let ``on a flow ladder FoCa's velocity, forecast slope and Heun step are the host's sigma formulas to the bit``
    (steps: int)
    (start: int)
    (length: int)
    (euler: bool)
    (shiftTenths: byte)
    =
    // previous < step < target <= N, and a Heun end below N.
    let g = group steps start length 0 100

    (g.N >= 3 && g.Start >= 1 && g.Stop < g.N)
    ==> lazy
        (let shift = 0.5 + float shiftTenths / 10.0
         let flow = Sigmas.ladder (if euler then Euler else UniPC) shift g.N |> orFail
         let sigma = Array.ofList flow.Sigmas
         let ladder = FlowSigmas flow
         let previous, step, target = g.Start - 1, g.Start, g.Stop

         Transition.velocity ladder step = { OfState = 0.0; OfPrediction = 1.0 }
         && Transition.forecastSlope ladder previous step target =
             (sigma[target] - sigma[step]) / 2.0 / (sigma[step] - sigma[previous])
         && Transition.heun ladder step target =
             {
                 StartScale = 1.0
                 HalfStep = (sigma[target] - sigma[step]) / 2.0
             })

[<Property(MaxTest = 500)>]
let ``on a VP ladder LinearSigma and FoCa project exactly as the DDIM blend``
    (steps: int)
    (start: int)
    (length: int)
    (j: int)
    (shift3: bool)
    =
    let g = group steps start length j 200
    let vp = Sigmas.noiseLadder Ddim (if shift3 then 3.0 else 1.0) g.N |> orFail
    let b = Transition.blend vp g.Start g.Stop g.J

    [ LinearSigma; FoCa false; FoCa true ]
    |> List.forall (fun p -> Transition.projected p vp g.Start g.Stop g.J = b)

[<Property(MaxTest = 500)>]
let ``every rule runs from the group start to its end, and Frozen keeps the flow-equivalent state``
    (steps: int)
    (start: int)
    (length: int)
    (j: int)
    (kind: byte)
    (rule: byte)
    =
    let g = group steps start length j 200
    let solver = [| Euler; UniPC; Ddim |][int kind % 3]
    let ladder = Sigmas.noiseLadder solver 3.0 g.N |> orFail
    let projection = rules[int rule % rules.Length]
    let flow = Sigmas.ladder solver 3.0 g.N |> orFail
    // UniPC's integer timesteps may repeat on long ladders: a group without timestep distance has no start.
    let timesteps = Array.ofList (flow.Timesteps @ [ 0.0 ])

    (projection <> LinearTimestep || timesteps[g.Start] > timesteps[g.Stop])
    ==> lazy
        (let scale k =
            let p, q = signalNoise ladder g.Start k
            p + q

         let atStart = Transition.projected projection ladder g.Start g.Stop g.Start
         let atStop = Transition.projected projection ladder g.Start g.Stop g.Stop
         let inner = Transition.projected projection ladder g.Start g.Stop g.J

         let frozen =
             projection <> Frozen
             || g.J = g.Stop
             || (inner.EndWeight = 0.0
                 && abs (inner.StartWeight - scale g.J / scale g.Start) <= 1e-12)

         atStart = { StartWeight = 1.0; EndWeight = 0.0 }
         && atStop = { StartWeight = 0.0; EndWeight = 1.0 }
         && frozen)

// τ = q / (p + q) of a VP level ᾱ, written out here.
let private tau alpha =
    sqrt (1.0 - alpha) / (sqrt alpha + sqrt (1.0 - alpha))

[<Property(MaxTest = 500)>]
let ``on a VP ladder the velocity is eps minus x0, and the forecast and Heun step are flow updates mapped back by the scale``
    (steps: int)
    (start: int)
    (length: int)
    (shift3: bool)
    (x0Hundredths: sbyte)
    (noiseHundredths: sbyte)
    =
    let g = group steps start length 0 200

    (g.N >= 3 && g.Start >= 1 && g.Stop < g.N)
    ==> lazy
        (let ladder = Sigmas.noiseLadder Ddim (if shift3 then 3.0 else 1.0) g.N |> orFail

         let vp =
             match ladder with
             | VpAlphas vp -> vp
             | FlowSigmas _ -> failwith "Ddim gives a VP ladder"

         let measured = Array.ofList vp.AlphasCumprod
         let landed = Array.ofList vp.PreviousAlphas
         let x0 = float x0Hundredths / 40.0
         let noise = float noiseHundredths / 40.0
         let previous, step, stop = g.Start - 1, g.Start, g.Stop

         let near (a: float) (b: float) = abs (a - b) <= 1e-9 * (1.0 + abs b)

         // The state at the model's level of `step`, and its exact v-prediction √ᾱ·ε - √(1-ᾱ)·x0.
         let a = measured[step]
         let x = sqrt a * x0 + sqrt (1.0 - a) * noise
         let m = sqrt a * noise - sqrt (1.0 - a) * x0
         let w = Transition.velocity ladder step
         let velocity = w.OfState * x + w.OfPrediction * m

         // A constant velocity: Heun lands on the DDIM level of the end, (p, q) at PreviousAlphas[stop-1].
         let h = Transition.heun ladder step stop
         let e = landed[stop - 1]
         let heunEnd = h.StartScale * x + h.HalfStep * (2.0 * velocity)
         let ddimEnd = sqrt e * x0 + sqrt (1.0 - e) * noise

         let slope = Transition.forecastSlope ladder previous step stop

         let expectedSlope =
             (tau e - tau measured[step])
             / 2.0
             / (tau measured[step] - tau measured[previous])

         near velocity (noise - x0) && near heunEnd ddimEnd && near slope expectedSlope)
