module RhymeFlow.Core.Tests.VpTests

open FsCheck.FSharp
open FsCheck.Xunit
open RhymeFlow.Core
open Xunit

let private orFail r =
    Result.defaultWith (fun (e: ValidationError) -> failwith e.Message) r

let private close (expected: float) (actual: float) =
    Assert.True(abs (expected - actual) <= 1e-6 * max 1e-3 (abs expected), $"expected {expected}, got {actual}")

// Values from ../shared/fixtures/cogvideox-diffusers/cogvideox-tiny.loop.safetensors (diffusers'
// float64 alphas_cumprod stored as float32; timesteps_steps12 and timesteps_steps50).
[<Fact>]
let ``CogVideoX 5B alphas_cumprod match the diffusers fixture`` () =
    let a = Vp.alphasCumprod Vp.cogVideoX5B |> Array.ofList
    Assert.Equal(1000, a.Length)

    [
        0, 0.9991499781608582
        19, 0.9810104370117188
        99, 0.8880859017372131
        499, 0.24235916137695312
        899, 0.003033072454854846
        979, 8.578784036217257e-05
        998, 1.9678880391893472e-07
    ]
    |> List.iter (fun (t, expected) -> close expected a[t])

    // Zero terminal SNR: exactly 0 at the last training timestep.
    Assert.Equal(0.0, a[999])

[<Fact>]
let ``the 50-step ladder is trailing and lands on its own next level`` () =
    let l = Vp.ladder Vp.cogVideoX5B 50 |> orFail
    Assert.Equal<int list>([ 999; 979; 959; 939 ], List.take 4 l.Timesteps)
    Assert.Equal<int list>([ 59; 39; 19 ], List.skip 47 l.Timesteps)
    Assert.Equal(0.0, List.head l.AlphasCumprod)
    Assert.Equal(1.0, List.last l.AlphasCumprod)
    close 0.9810104370117188 (List.item 49 l.AlphasCumprod)
    Assert.Equal<float list>(List.tail l.AlphasCumprod, l.PreviousAlphas)

[<Fact>]
let ``the 12-step ladder keeps diffusers' previous-timestep quirk`` () =
    let l = Vp.ladder Vp.cogVideoX5B 12 |> orFail
    let all = Vp.alphasCumprod Vp.cogVideoX5B |> Array.ofList

    Assert.Equal<int list>([ 999; 916; 832; 749; 666; 582; 499; 416; 332; 249; 166; 82 ], l.Timesteps)
    // Step 1 at t = 916 lands on 916 - 1000/12 = 833, not on the next timestep 832.
    Assert.Equal(all[833], List.item 1 l.PreviousAlphas)
    Assert.Equal(all[832], List.item 2 l.AlphasCumprod)
    Assert.Equal(1.0, List.last l.PreviousAlphas)

[<Property(MaxTest = 300)>]
let ``every step count gives N trailing timesteps and a valid flow-equivalent ladder`` (steps: int) =
    // 61, 103, 121, ... make numpy's arange one entry too long (a timestep -1); the core keeps N.
    let n = 1 + abs (steps % 1000)
    let vp = Vp.ladder Vp.cogVideoX5B n |> orFail
    let flow = Sigmas.ofVp vp

    Vp.steps vp = n
    && vp.Timesteps |> List.forall (fun t -> t >= 0 && t < 1000)
    && List.pairwise vp.Timesteps |> List.forall (fun (a, b) -> a > b)
    && List.length vp.AlphasCumprod = n + 1
    && List.pairwise vp.AlphasCumprod |> List.forall (fun (a, b) -> a < b)
    && List.length vp.PreviousAlphas = n
    && List.head flow.Sigmas = 1.0
    && List.last flow.Sigmas = 0.0
    && List.pairwise flow.Sigmas |> List.forall (fun (a, b) -> a > b)
    && Sigmas.steps flow = n

[<Fact>]
let ``Ddim's ladder is the flow equivalent of the VP ladder`` () =
    let l = Sigmas.ladder Ddim 1.0 10 |> orFail
    Assert.Equal<float list>([ 999.0 .. -100.0 .. 99.0 ], l.Timesteps)
    Assert.Equal(1.0, List.head l.Sigmas)
    Assert.Equal(0.0, List.last l.Sigmas)

    match Sigmas.noiseLadder Ddim 1.0 10 |> orFail with
    | VpAlphas vp -> Assert.Equal(Sigmas.ofVp vp, l)
    | FlowSigmas _ -> failwith "expected a VP ladder"

    match Sigmas.noiseLadder UniPC 3.0 10 |> orFail with
    | FlowSigmas flow -> Assert.Equal(Sigmas.ladder UniPC 3.0 10 |> orFail, flow)
    | VpAlphas _ -> failwith "expected a flow ladder"

[<Fact>]
let ``the flow sigma of a VP level maps the ends and the midpoint`` () =
    Assert.Equal(1.0, Vp.flowSigma 0.0)
    Assert.Equal(0.0, Vp.flowSigma 1.0)
    Assert.Equal(0.5, Vp.flowSigma 0.5, 15)

[<Fact>]
let ``invalid VP inputs name their field`` () =
    let field r =
        match r with
        | Error(e: ValidationError) -> e.Field
        | Ok _ -> "ok"

    Assert.Equal("steps", field (Vp.ladder Vp.cogVideoX5B 0))
    Assert.Equal("steps", field (Vp.ladder Vp.cogVideoX5B 1001))
    Assert.Equal("steps", field (Sigmas.ladder Ddim 1.0 1001))
    Assert.Equal("shift", field (Sigmas.ladder Ddim 0.0 10))
    Assert.Equal("vp.beta", field (Vp.ladder { Vp.cogVideoX5B with BetaEnd = 1.5 } 10))
    Assert.Equal("vp.snrShift", field (Vp.ladder { Vp.cogVideoX5B with SnrShift = -1.0 } 10))

    Assert.Equal(
        "vp.trainTimesteps",
        field (
            Vp.ladder
                { Vp.cogVideoX5B with
                    TrainTimesteps = 1
                }
                1
        )
    )
