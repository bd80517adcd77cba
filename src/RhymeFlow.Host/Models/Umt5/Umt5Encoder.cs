using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models.Umt5;

/// <summary>
/// The umT5 text encoder (transformers' <c>UMT5EncoderModel</c>), Wan 2.1's text encoder. State-dict keys equal
/// transformers' keys: <c>shared.weight</c>, <c>encoder.block.N.layer.0.SelfAttention.{q,k,v,o,relative_attention_bias}.weight</c>,
/// <c>encoder.block.N.layer.{0,1}.layer_norm.weight</c>, <c>encoder.block.N.layer.1.DenseReluDense.{wi_0,wi_1,wo}.weight</c>,
/// <c>encoder.final_layer_norm.weight</c>.
/// </summary>
/// <remarks>
/// <para>Precision follows transformers loaded with <c>torch_dtype</c>: every weight takes the model dtype except the
/// feed-forward output projections <c>wo</c>, which stay float32 (<c>_keep_in_fp32_modules = ["wo"]</c>). In half
/// precision the residual stream therefore becomes float32 after the first feed-forward; the norms return to the model
/// dtype, and so does the result. Use float32 on the CPU and bfloat16 on the GPU.</para>
/// <para>Every call runs under <c>no_grad</c> in its own dispose scope; the returned tensor belongs to the caller's
/// scope. Not thread-safe: run a model on one thread.</para>
/// </remarks>
public sealed class Umt5Encoder : ModelModule<Umt5Config>
{
#pragma warning disable IDE1006 // Field names are state-dict keys.
    private readonly Umt5Embedding shared;
    private readonly Umt5Stack encoder;
#pragma warning restore IDE1006

    private Umt5Encoder(Umt5Config config, ScalarType dtype, Device device)
        : base(nameof(Umt5Encoder), config, dtype, device)
    {
        shared = new Umt5Embedding(config.VocabSize, config.DModel, dtype, device);
        encoder = new Umt5Stack(config, dtype, ScalarType.Float32, device);
        RegisterComponents();
    }

    /// <summary>Builds an encoder with initial (untrained) weights in eval mode; call <see cref="ModelModule{TConfig}.LoadWeights"/> next.</summary>
    /// <param name="config">The architecture; validated.</param>
    /// <param name="dtype">Float32, BFloat16 or Float16.</param>
    /// <param name="device">Where the weights live.</param>
    public static Umt5Encoder Create(Umt5Config config, ScalarType dtype, Device device) =>
        Build(config, dtype, device, static (c, d, v) => new Umt5Encoder(c, d, v));

    /// <summary>
    /// Loads a transformers-format checkpoint (the <c>text_encoder/</c> folder of a diffusers pipeline, or
    /// <c>model.safetensors.index.json</c>). The token embedding may come as <c>shared.weight</c>,
    /// <c>encoder.embed_tokens.weight</c>, or both (tied copies; <c>shared.weight</c> is used).
    /// </summary>
    /// <exception cref="CheckpointException">The checkpoint's weights do not fit this model.</exception>
    protected override StateDictLoadResult LoadCheckpoint(CheckpointReader checkpoint) => Umt5Checkpoint.Load(this, checkpoint);

    /// <summary>The last hidden state of token ids under a padding mask (transformers' <c>last_hidden_state</c>).</summary>
    /// <param name="inputIds">Token ids [B, L], int64 (any integer type is accepted), on any device.</param>
    /// <param name="attentionMask">[B, L]: nonzero for real tokens, 0 for padding (any numeric or bool type). Padded keys
    /// are excluded from attention; padded positions still get outputs, as in transformers.</param>
    /// <returns>[B, L, d_model] in <see cref="ModelModule{TConfig}.DType"/> on <see cref="ModelModule{TConfig}.Device"/>; the caller owns it.</returns>
    public Tensor Encode(Tensor inputIds, Tensor attentionMask)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentNullException.ThrowIfNull(attentionMask);
        if (inputIds.ndim != 2 || inputIds.shape[1] == 0 || !is_integral(inputIds.dtype))
        {
            throw new ArgumentException($"input ids must be an integer tensor [B, L] with L > 0, got {inputIds.dtype} [{string.Join(", ", inputIds.shape)}]", nameof(inputIds));
        }

        if (!attentionMask.shape.SequenceEqual(inputIds.shape))
        {
            throw new ArgumentException($"attention mask must match the input ids [{string.Join(", ", inputIds.shape)}], got [{string.Join(", ", attentionMask.shape)}]", nameof(attentionMask));
        }

        return Evaluate(() =>
        {
            var ids = inputIds.to(ScalarType.Int64, Device);
            var embeddings = shared.forward(ids);
            using var lowest = finfo(DType).min.ToScalar();
            var maskBias = zeros([ids.shape[0], 1, 1, ids.shape[1]], dtype: DType, device: Device)
                .masked_fill_(attentionMask.to(Device).eq(Scalars.Zero).view(ids.shape[0], 1, 1, ids.shape[1]), lowest);
            return encoder.forward(embeddings, maskBias);
        });
    }
}
