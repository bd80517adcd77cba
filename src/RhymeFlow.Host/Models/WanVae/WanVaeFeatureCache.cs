using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.WanVae;

/// <summary>
/// diffusers' <c>feat_cache</c>/<c>feat_idx</c>: for every causal temporal convolution of the encoder or the decoder,
/// in call order, the last frames (at most <see cref="CacheFrames"/>) of its input from the previous temporal chunk.
/// </summary>
/// <remarks>
/// One cache belongs to one encode or decode call: <see cref="BeginChunk"/> rewinds the slot cursor before each chunk,
/// and the layers take their slot with <see cref="Take"/> in a fixed order. Cached tensors are held outside every
/// dispose scope; a replaced tensor is disposed at once and <see cref="Dispose"/> releases the rest, so memory stays
/// bounded by one chunk plus the cache. A slot is empty, holds frames, or holds the "Rep" marker that diffusers'
/// temporal upsampling leaves after the first chunk.
/// </remarks>
internal sealed class WanVaeFeatureCache : IDisposable
{
    /// <summary>diffusers' <c>CACHE_T</c>: the frames kept per convolution (its temporal kernel minus one).</summary>
    public const int CacheFrames = 2;

    private readonly List<Slot> slots = [];
    private int cursor;
    private bool disposed;

    private enum SlotState
    {
        Empty,
        Repeat,
        Frames,
    }

    /// <summary>Chunks run so far (calls of <see cref="BeginChunk"/>).</summary>
    public int Chunks { get; private set; }

    /// <summary>Slots used by one chunk (the number of cached convolutions), known after the first chunk.</summary>
    public int SlotCount => slots.Count;

    /// <summary>Rewinds the slot cursor; call before running the network on the next temporal chunk.</summary>
    public void BeginChunk()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (Chunks > 0 && cursor != slots.Count)
        {
            throw new InvalidOperationException($"the previous chunk used {cursor} of {slots.Count} cache slots");
        }

        cursor = 0;
        Chunks++;
    }

    /// <summary>The next slot, in call order (diffusers' <c>idx = feat_idx[0]; …; feat_idx[0] += 1</c>).</summary>
    public int Take()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (cursor == slots.Count)
        {
            slots.Add(new Slot());
        }

        return cursor++;
    }

    /// <summary>Whether nothing was stored in the slot yet (diffusers: <c>feat_cache[idx] is None</c>).</summary>
    public bool IsEmpty(int slot) => slots[slot].State == SlotState.Empty;

    /// <summary>Whether the slot holds diffusers' "Rep" marker.</summary>
    public bool IsRepeat(int slot) => slots[slot].State == SlotState.Repeat;

    /// <summary>The cached frames [B, C, t, H, W], or null where the slot is empty or holds the marker.</summary>
    public Tensor? Frames(int slot) => slots[slot].Frames;

    /// <summary>Stores the "Rep" marker.</summary>
    public void MarkRepeat(int slot) => Replace(slot, SlotState.Repeat, null);

    /// <summary>
    /// Stores <paramref name="frames"/> (a tensor no one else holds, e.g. a clone); the cache takes it out of its
    /// dispose scope and owns it. The previous frames of the slot are disposed.
    /// </summary>
    public void Store(int slot, Tensor frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        Replace(slot, SlotState.Frames, frames.DetachFromDisposeScope());
    }

    /// <summary>
    /// The common step of every cached causal convolution (diffusers' repeated block): keep the last
    /// <see cref="CacheFrames"/> frames of the input (topped up with the last cached frame when the chunk has only one),
    /// convolve the input after the previously cached frames, and store the kept frames.
    /// </summary>
    public Tensor Convolve(WanCausalConv3d conv, Tensor x)
    {
        var slot = Take();
        var previous = Frames(slot);
        var keep = LastFrames(x, CacheFrames).clone();
        if (keep.shape[2] < CacheFrames && previous is not null)
        {
            keep = cat([LastFrames(previous, 1), keep], 2);
        }

        var result = conv.forward(x, previous);
        Store(slot, keep);
        return result;
    }

    /// <summary>A view of the last (at most) <paramref name="count"/> frames of [B, C, T, H, W].</summary>
    public static Tensor LastFrames(Tensor x, int count)
    {
        var frames = x.shape[2];
        var kept = Math.Min(frames, count);
        return x.narrow(2, frames - kept, kept);
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        foreach (var slot in slots)
        {
            slot.Frames?.Dispose();
            slot.Frames = null;
        }

        slots.Clear();
    }

    private void Replace(int slot, SlotState state, Tensor? frames)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var entry = slots[slot];
        entry.Frames?.Dispose();
        entry.State = state;
        entry.Frames = frames;
    }

    private sealed class Slot
    {
        public SlotState State { get; set; } = SlotState.Empty;

        public Tensor? Frames { get; set; }
    }
}
