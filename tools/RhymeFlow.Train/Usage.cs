namespace RhymeFlow.Train;

internal static class Usage
{
    public const string Text = """
        RhymeFlow.Train: trains, evaluates and times the built-in text-to-video model.

        train --run DIR | --resume DIR   [options]
          Starts a run in DIR (--run; DIR must not hold a checkpoint) or continues one (--resume). Writes
          DIR/checkpoint/ (resumable: weights, AdamW moments, step), DIR/loss.csv and DIR/loss.png.
          Each invocation stops at --steps or after --max-minutes, whichever comes first, with a checkpoint.
            --size tiny|mini        model preset (default mini)                       [new runs only]
            --steps N               total steps of the run (default 20000)            [new runs only]
            --batch N               clips per step (default 32)                        [new runs only]
            --lr X                  peak learning rate (default 3e-4)                  [new runs only]
            --weight-decay X        AdamW decoupled weight decay (default 0.01)        [new runs only]
            --warmup N              linear warm-up steps (default 500)                 [new runs only]
            --flow-shift S          sigma' = S·sigma/(1+(S-1)·sigma) (default 3)       [new runs only]
            --grad-clip X           max global gradient norm (default 1)               [new runs only]
            --empty-rate X          share of empty captions (default 0.1)              [new runs only]
            --seed N / --data-seed N   init and data seeds (default 0 / 1)             [new runs only]
            --device cpu|cuda       (default cpu)
            --max-minutes M         wall-clock bound of this invocation (default 9)
            --checkpoint-every N    steps between checkpoints (default 500)
            --log-every N           steps between console lines (default 50)
            --out DIR               when the run reaches --steps: write the fp16 package to DIR

        eval --model DIR [options]
          Generates the 64 held-out captions (fixed seeds), judges them with ClipEvaluator, prints the accuracies
          and writes a contact sheet of the first --sheet-count clips.
            --device cpu|cuda  --dtype float32|bf16|f16  --steps 30  --solver unipc|euler  --shift 3  --guidance 5
            --count 64  --sheet PATH (default DIR/eval-sheet.png)  --sheet-count 12

        bench-generate [options]
          Times one dense clip at a preset size with random weights (after an untimed 2-step warm-up).
            --size mini|tiny  --steps 30  --solver unipc|euler  --guidance 5  --device cpu|cuda  --runs 1
        """;
}
