namespace RhymeFlow.Train;

internal static class Usage
{
    public const string Text = """
        RhymeFlow.Train: trains, sizes, evaluates and times the built-in text-to-video model.

        train --run DIR | --resume DIR   [options]
          Starts a run in DIR (--run; DIR must not hold a checkpoint) or continues one (--resume). Writes
          DIR/checkpoint/ (resumable: weights, AdamW moments, step, run time), DIR/loss.csv, DIR/eval.csv (held-out
          accuracy against wall time) and the pictures DIR/loss.png and DIR/accuracy.png. The defaults are the
          shipped recipe: `train --run runs/mini --out assets/models/rhymeflow-mini` reproduces the shipped weights.
            --size NAME             model preset: mini (shipped), tiny, or a sweep candidate     [new runs only]
                                    (tok8-w128-l4, tok8-w256-l4, tok8-w192-l6, tok4-w96-l4)
            --steps N               total steps of the run (default 1800)             [new runs only]
            --batch N               clips per step (default 32)                        [new runs only]
            --lr X                  peak learning rate (default 1e-3)                  [new runs only]
            --weight-decay X        AdamW decoupled weight decay (default 0.01)        [new runs only]
            --warmup N              linear warm-up steps (default 100)                 [new runs only]
            --flow-shift S          sigma' = S·sigma/(1+(S-1)·sigma) (default 3)       [new runs only]
            --grad-clip X           max global gradient norm (default 1)               [new runs only]
            --empty-rate X          share of empty captions (default 0.1)              [new runs only]
            --seed N / --data-seed N   init and data seeds (default 0 / 1)             [new runs only]
            --device cpu|cuda       (default cpu)
            --max-minutes M         wall-clock bound of this invocation (default: none)
            --checkpoint-every N    steps between checkpoints (default 300)
            --log-every N           steps between console lines (default 50)
            --eval-every N          steps between held-out measurements (default 300; 0: none)
            --eval-count N --eval-steps N --eval-guidance G   captions, dense steps, CFG (default 16, 20, 5)
            --out DIR               when the run reaches --steps: write the fp16 package to DIR (other files kept)

        sweep --out DIR [options]
          The sizing sweep: times each preset in interleaved rounds, gives each the same wall-clock budget in steps,
          trains it with one recipe (the train options above, except --size and --steps), judges the 64 held-out
          captions and writes DIR/sweep.md. Resumable: rerun the same command after an interruption.
            --sizes A,B,...  --budget-minutes M (default 15)  --timing-steps N (default 8)
            --eval-steps N (default 30)  --eval-guidance G (default 5)  --device cpu|cuda

        eval --model DIR [options]
          Generates the 64 held-out captions (fixed seeds) under each schedule, judges them with ClipEvaluator and
          prints accuracies with 95% intervals, PSNR/SSIM against the first schedule and seconds per clip; writes a
          contact sheet of the first schedule's first --sheet-count clips.
            --schedules dense,rhymeflow (default dense)  --device cpu|cuda  --dtype float32|bf16|f16  --steps 30
            --guidance 5  --count 64  --sheet PATH (default DIR/eval-sheet.png)  --sheet-count 12  --report FILE.md

        bench-generate [options]
          Times dense clips at a preset size with random weights (after an untimed 2-step warm-up): for each batch size
          B of --batch, --runs rounds (the sizes interleaved) of B clips denoised as one batch; prints clips per second
          and a Markdown table.
            --size NAME  --steps 30  --solver unipc|euler  --guidance 5  --device cpu|cuda  --runs 1
            --batch 1[,4,8]   clips per run, one or several sizes (default 1)

        calibrate-teacache [options]
          Fits TeaCache's rescale polynomial for a package: dense probe runs on the first --count held-out captions
          record each step's relative change of the modulated input and of the block stack's residual; a least-squares
          polynomial (degree 4, highest power first, as the TeaCache authors fit) maps one to the other. Writes
          DIR/teacache.json atomically (coefficients, R², samples, steps, captions, date, command).
            --model DIR (default: the built-in model)  --count 8  --steps 30  --guidance 5  --degree 4  --device cpu|cuda
        """;
}
