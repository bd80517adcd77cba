namespace RhymeFlow.Host.Checkpoints;

/// <summary>What <see cref="StateDictLoader"/> copied into a module.</summary>
/// <param name="Tensors">The number of parameters and buffers filled.</param>
/// <param name="Bytes">The checkpoint bytes read.</param>
public sealed record StateDictLoadResult(int Tensors, long Bytes);
