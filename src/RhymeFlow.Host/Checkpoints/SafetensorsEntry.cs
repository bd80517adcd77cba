namespace RhymeFlow.Host.Checkpoints;

/// <summary>A validated header entry: where its bytes lie, relative to the start of the data section.</summary>
internal sealed record SafetensorsEntry(TensorInfo Info, long Begin, long End);
