namespace RhymeFlow.Bench.Cli;

/// <summary>The help text of every subcommand.</summary>
internal static class Usage
{
    public const string Text = """
        usage: RhymeFlow.Bench <subcommand> [options]

        subcommands:
          forward   time the Wan transformer forward with random weights
          loop      time whole denoising loops (dense, RhymeFlow, fewer steps) with random weights

        forward options (defaults in brackets):
          --model 1.3b|14b|tiny-layers:N|mini|tiny
                                            preset, the 1.3B width with N layers, or the built-in
                                            model's transformer (mini: 8 layers x 256, tiny: 2 x 32) [1.3b]
          --frames F --height H --width W   latent grid before patching [21 x 60 x 104 = 32760 tokens]
          --text-len L                      text tokens [512]
          --batch 1|2                       2 = CFG batch (cond and uncond in one call) [1]
          --dtype bf16|f16|f32              model dtype [bf16]
          --device cpu|cuda                 [cuda if available, else cpu]
          --warmup N                        untimed runs before timing [2]
          --runs N                          timed runs, at least 5; the median is reported [10]
          --timestep T                      timestep on the 0..1000 scale, same for every row [500]
          --active-frames M                 also time a recording forward and an M-frame active forward
                                            (context KeyValue of the other frames) with the text prepared once
          --no-tf32                         keep float32 matmuls in full precision on CUDA (TF32 is on by default)
          --seed S                          seed of the random weights and inputs [0]
          --markdown FILE                   append the result table to FILE
          --reductions LIST                 also time AsymRnR self-attention reduction, e.g. dense,0.5/0.3,0.8/0.3 (0.9 needs --stride 6x2x2)
                                            (Q/KV removed fractions in [0, 1)), interleaved per round, with the
                                            matching in the call and reused; prints median ms and speedup vs dense
          --q-ratio R --kv-ratio R          one AsymRnR setting beside dense (instead of --reductions)
          --stride FxRxC                    AsymRnR window (frames x rows x cols) [2x2x2]

        loop options (defaults in brackets; --model, --frames/--height/--width, --text-len, --dtype, --device,
        --no-tf32, --seed, --markdown as for forward):
          --steps N                         sampling steps of the dense baseline [50]
          --guidance G                      CFG scale; > 1 runs cond and uncond as one batch-2 call [5]
          --shift S                         UniPC flow shift [3]
          --repeats N                       rounds; every row runs once per round, order alternating [1]
          --rows LIST                       dense,rhymeflow,authors,hidden-host,fewer,asymrnr,rhymeflow+asymrnr
                                            [dense,rhymeflow,authors,fewer]
          --warmup-steps Tw                 RhymeFlow dense warm-up steps [steps / 5, i.e. 10 of 50]
          --keyframes M                     RhymeFlow keyframes [2]
          --min-skip A --max-skip B         RhymeFlow progressive skip A..B, switching at 0.3 and 0.7 [3, 5]
          --plan-only                       print the cost model's view of each row and exit (no model is built)
          rows: dense; rhymeflow = RhymeFlow default (K/V context on the device); authors = the same with
          hidden states recorded and K/V recomputed (the authors' context); hidden-host = hidden states in host
          memory; fewer = dense on n = round(steps / RhymeFlow default's predicted speedup) steps.

        example (CPU):
          RhymeFlow.Bench forward --model tiny-layers:2 --frames 21 --height 16 --width 16 --text-len 64 \
            --batch 2 --dtype f32 --device cpu --runs 5 --active-frames 2
          RhymeFlow.Bench forward --model tiny-layers:2 --frames 21 --height 16 --width 16 --text-len 64 \
            --dtype f32 --device cpu --runs 5 --reductions dense,0.5/0.3,0.8/0.3
          RhymeFlow.Bench loop --model tiny-layers:2 --frames 21 --height 8 --width 8 --text-len 32 \
            --steps 20 --dtype f32 --device cpu --repeats 3
        """;
}
