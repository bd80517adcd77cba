namespace RhymeFlow.Host.Tests.TestSupport;

/// <summary>
/// Reports on the caller's thread, at once: <see cref="Progress{T}"/> posts to the thread pool, so a test would read its
/// counts before the reports arrived.
/// </summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
