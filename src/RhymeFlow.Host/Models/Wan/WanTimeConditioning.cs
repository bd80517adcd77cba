using RhymeFlow.Host.Runtime;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Wan;

/// <summary>
/// The timestep conditioning of one evaluation, for a batch or for every token.
/// </summary>
/// <remarks>
/// diffusers embeds a per-token timestep [B, T] once per token. Every token of a latent frame shares its frame's
/// timestep, so this embeds each distinct value once (<see cref="Temb"/>, <see cref="Projection"/>, rows U) and keeps
/// an index [B, T] into those rows. Rows are gathered per block as the modulation is formed, which gives the same
/// numbers as diffusers without a persistent [B, T, 6, dim] tensor. Finding the distinct values reads the timestep
/// tensor on the host (it is small and normally comes from the host's step plan).
/// </remarks>
internal sealed class WanTimeConditioning
{
    private WanTimeConditioning(Tensor temb, Tensor projection, Tensor? index, long batch)
    {
        Temb = temb;
        Projection = projection;
        Index = index;
        Batch = batch;
    }

    /// <summary>[U, dim], model dtype: the timestep MLP's output (drives the output head).</summary>
    public Tensor Temb { get; }

    /// <summary>[U, 6, dim], model dtype: the block modulation projection.</summary>
    public Tensor Projection { get; }

    /// <summary>[B, T] row of each token, or null when the timestep is per batch row (then U = B).</summary>
    public Tensor? Index { get; }

    public long Batch { get; }

    /// <summary>Embeds <paramref name="timestep"/> ([B] or [B, tokens]; a leading 1 broadcasts over the batch).</summary>
    public static WanTimeConditioning Create(WanConditionEmbedder embedder, Tensor timestep, long batch, long tokens, Device device)
    {
        if (timestep.ndim == 1)
        {
            var perBatch = timestep.shape[0] == batch ? timestep : timestep.shape[0] == 1 ? timestep.expand(batch) : throw BadShape(timestep, batch, tokens);
            var (temb, projection) = embedder.EmbedTime(perBatch.to(device));
            return new WanTimeConditioning(temb, projection, null, batch);
        }

        if (timestep.ndim != 2 || timestep.shape[1] != tokens || (timestep.shape[0] != batch && timestep.shape[0] != 1))
        {
            throw BadShape(timestep, batch, tokens);
        }

        var values = timestep.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        var rows = new Dictionary<float, long>();
        var indices = new long[batch * tokens];
        for (var i = 0; i < indices.Length; i++)
        {
            var value = values[timestep.shape[0] == 1 ? i % tokens : i];
            if (!rows.TryGetValue(value, out var row))
            {
                row = rows.Count;
                rows.Add(value, row);
            }

            indices[i] = row;
        }

        var distinct = tensor(rows.Keys.ToArray(), device: device);
        var (distinctTemb, distinctProjection) = embedder.EmbedTime(distinct);
        return new WanTimeConditioning(distinctTemb, distinctProjection, tensor(indices, device: device).view(batch, tokens), batch);
    }

    /// <summary>Restricts per-token conditioning to the tokens at <paramref name="tokenIndex"/> (a no-op per batch row).</summary>
    public WanTimeConditioning SelectTokens(Tensor tokenIndex) =>
        Index is null ? this : new WanTimeConditioning(Temb, Projection, Index.index_select(1, tokenIndex), Batch);

    /// <summary>
    /// Adds a float32 table [1, k, dim] to <paramref name="rows"/> [U, k, dim] in float32 and returns the k vectors,
    /// each [B, T, dim] (per token) or [B, 1, dim] (per batch row), ready to broadcast over tokens.
    /// </summary>
    public Tensor[] Modulate(Tensor table, Tensor rows)
    {
        var sum = table.add(rows.to(ScalarType.Float32), Scalars.One);
        var chunks = new Tensor[sum.shape[1]];
        for (var k = 0; k < chunks.Length; k++)
        {
            var chunk = sum.select(1, k);
            chunks[k] = Index is null
                ? chunk.unsqueeze(1)
                : chunk.index_select(0, Index.flatten()).view(Index.shape[0], Index.shape[1], -1);
        }

        return chunks;
    }

    /// <summary>The tensors to keep when this conditioning must outlive the evaluation that made it.</summary>
    public IEnumerable<Tensor> Tensors()
    {
        yield return Temb;
        yield return Projection;
        if (Index is not null)
        {
            yield return Index;
        }
    }

    private static ArgumentException BadShape(Tensor timestep, long batch, long tokens) =>
        new($"timestep must be [{batch}] or [{batch}, {tokens}] (a leading 1 broadcasts), got [{string.Join(", ", timestep.shape)}]", nameof(timestep));
}
