/// What the `sample` tests share: comparing latents and a model that cannot be loaded.
module RhymeFlow.Cli.Tests.SampleSupport

open TorchSharp
open RhymeFlow.Cli.Tests.CliRunner

/// ‖actual − expected‖ / ‖expected‖ (no tensor operators: their implicit Scalars are not held).
let relativeError (actual: torch.Tensor) (expected: torch.Tensor) =
    use difference = actual.sub expected
    use error = difference.norm ()
    use reference = expected.norm ()
    float (error.item<float32>()) / float (reference.item<float32>())

/// A weights file that cannot be loaded: errors found before loading the model are bad usage, not a failed run.
let unloadableModel =
    [
        "--config"
        fixture "wan-tiny.config.json"
        "--weights"
        fixture "wan-tiny.config.json"
    ]
