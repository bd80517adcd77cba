namespace RhymeFlow.Host.Runtime;

/// <summary>
/// Serialises the use of torch's global generator, which is process state: module constructors draw their initial
/// weights from it, and a model seeded through it is reproducible only if no other thread draws between the seeding
/// and the last initialisation.
/// </summary>
/// <remarks>
/// Every factory here that constructs modules or seeds the global generator holds <see cref="Sync"/> while it does,
/// so models built on several threads at once (parallel tests, a server loading models) keep their seeded weights.
/// Code that needs random numbers of its own passes an explicit <c>torch.Generator</c> instead.
/// </remarks>
public static class GlobalGenerator
{
    /// <summary>Held while the global generator is seeded or drawn from. Reentrant.</summary>
    public static object Sync { get; } = new();
}
