using RhymeFlow.Host.Checkpoints;
using RhymeFlow.Host.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Models;

/// <summary>
/// What every model of the engine shares: built from a validated config in one dtype on one device, from the global
/// generator under its lock, left in eval mode; weights loaded strictly from safetensors; evaluations run without
/// gradients in a dispose scope of their own.
/// </summary>
/// <remarks>
/// A model derives from this class, gives it its config, dtype and device, builds its submodules in its private
/// constructor and calls <c>RegisterComponents()</c> there; its public factory calls <see cref="Build{TModel}"/>.
/// Loading goes through <see cref="LoadWeights"/>, which opens the checkpoint and hands it to
/// <see cref="LoadCheckpoint"/>; a model whose checkpoints need key renaming or tied-weight handling overrides that.
/// </remarks>
/// <typeparam name="TConfig">The architecture.</typeparam>
public abstract class ModelModule<TConfig> : nn.Module
    where TConfig : class, IModelConfig<TConfig>
{
    /// <summary>Stores what every model exposes; the derived constructor builds the submodules.</summary>
    /// <param name="name">The module name (the class name).</param>
    /// <param name="config">The validated architecture.</param>
    /// <param name="dtype">The weights' dtype.</param>
    /// <param name="device">Where the weights live.</param>
    protected ModelModule(string name, TConfig config, ScalarType dtype, Device device)
        : base(name)
    {
        Config = config;
        DType = dtype;
        Device = device;
    }

    /// <summary>The architecture.</summary>
    public TConfig Config { get; }

    /// <summary>The dtype of the weights; see the model for the layers kept in float32.</summary>
    public ScalarType DType { get; }

    /// <summary>Where the weights and every result live.</summary>
    public Device Device { get; }

    /// <summary>
    /// Loads weights from a safetensors file, a sharded index or a directory holding either. Strict: every weight must
    /// be present with its shape and none may be left over (every problem is listed at once, naming the file, the key
    /// and both shapes). Values are cast to each parameter's dtype and moved to its device.
    /// </summary>
    /// <param name="path">The file, index or directory.</param>
    /// <exception cref="CheckpointException">The checkpoint is missing or invalid, or its weights do not fit this model.</exception>
    public StateDictLoadResult LoadWeights(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var checkpoint = CheckpointReader.Open(path);
        return LoadCheckpoint(checkpoint);
    }

    /// <summary>Builds a model in eval mode with initial (untrained) weights; call <see cref="LoadWeights"/> next.</summary>
    /// <typeparam name="TModel">The model.</typeparam>
    /// <param name="config">The architecture; validated here.</param>
    /// <param name="dtype">Float32, BFloat16 or Float16.</param>
    /// <param name="device">Where the weights live.</param>
    /// <param name="construct">The model's private constructor.</param>
    /// <exception cref="ArgumentException">The config is invalid or the dtype unsupported.</exception>
    protected static TModel Build<TModel>(TConfig config, ScalarType dtype, Device device, Func<TConfig, ScalarType, Device, TModel> construct)
        where TModel : ModelModule<TConfig>
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(construct);
        if (dtype is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16))
        {
            throw new ArgumentException($"dtype must be Float32, BFloat16 or Float16, got {dtype}", nameof(dtype));
        }

        config.Validate();
        using var noGrad = no_grad();
        TModel model;

        // Constructors draw initial weights from the global generator; a seeded build must not interleave with another.
        lock (GlobalGenerator.Sync)
        {
            model = construct(config, dtype, device);
        }

        model.eval();
        return model;
    }

    /// <summary>Loads an open checkpoint strictly into this model; by default keys must equal the model's.</summary>
    /// <param name="checkpoint">The checkpoint; <see cref="LoadWeights"/> disposes it.</param>
    protected virtual StateDictLoadResult LoadCheckpoint(CheckpointReader checkpoint) => StateDictLoader.Load(this, checkpoint);

    /// <summary>No gradients in eval mode; in training mode (<c>train()</c>) the caller's grad mode applies.</summary>
    protected IDisposable? InferenceGradMode() => training ? null : no_grad();

    /// <summary>
    /// Runs <paramref name="evaluate"/> in <see cref="InferenceGradMode"/> and a dispose scope of its own: every
    /// intermediate is freed on return, and the result moves to the caller's scope.
    /// </summary>
    /// <param name="evaluate">The evaluation; it returns a tensor it created.</param>
    protected Tensor Evaluate(Func<Tensor> evaluate)
    {
        ArgumentNullException.ThrowIfNull(evaluate);
        using var noGrad = InferenceGradMode();
        using var scope = NewDisposeScope();
        return evaluate().MoveToOuterDisposeScope();
    }
}
