using RhymeFlow.Host.Checkpoints;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Umt5;

/// <summary>
/// Strict loading of a transformers umT5 checkpoint. Like <see cref="StateDictLoader"/>, except that the tied token
/// embedding may be stored under <c>shared.weight</c>, <c>encoder.embed_tokens.weight</c> or both; with both, the
/// second is the same tensor and is skipped (its shape is still checked).
/// </summary>
internal static class Umt5Checkpoint
{
    public const string SharedKey = "shared.weight";
    public const string EmbedTokensKey = "encoder.embed_tokens.weight";

    public static StateDictLoadResult Load(nn.Module module, CheckpointReader checkpoint) =>
        StateDictLoader.Load(module, checkpoint, key => key == EmbedTokensKey ? SharedKey : key, new HashSet<string> { EmbedTokensKey });
}
