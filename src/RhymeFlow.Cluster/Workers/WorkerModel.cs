using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.Evaluation.Studies;

namespace RhymeFlow.Cluster.Workers;

/// <summary>
/// The model a worker holds for as long as it lives: loaded once, every job it takes runs on it. Jobs are matched to
/// workers by the model's fingerprint, never by the folder it was loaded from.
/// </summary>
public sealed class WorkerModel : IDisposable
{
    /// <summary>Takes ownership of <paramref name="model"/>.</summary>
    /// <param name="model">The loaded model.</param>
    /// <param name="device">"cpu" or "cuda": the kind of device it is on (studies may ask for one).</param>
    public WorkerModel(MiniModel model, string device)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        ArgumentException.ThrowIfNullOrWhiteSpace(device);
        Device = device;
        Fingerprint = ModelFingerprint.Of(model);
        Executor = new LocalJobExecutor(model);
    }

    public MiniModel Model { get; }

    public string Device { get; }

    public string Fingerprint { get; }

    internal LocalJobExecutor Executor { get; }

    public void Dispose() => Model.Dispose();
}
