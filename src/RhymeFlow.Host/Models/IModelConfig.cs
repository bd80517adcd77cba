namespace RhymeFlow.Host.Models;

/// <summary>A model architecture that can check itself before a <see cref="ModelModule{TConfig}"/> is built from it.</summary>
/// <typeparam name="TConfig">The config type itself, so that <see cref="Validate"/> returns it for chaining.</typeparam>
public interface IModelConfig<out TConfig>
    where TConfig : IModelConfig<TConfig>
{
    /// <summary>Checks that the values describe a model this engine can build, and returns the config.</summary>
    /// <exception cref="ArgumentException">A value is out of range or unsupported.</exception>
    TConfig Validate();
}
