using TorchSharp;

namespace RhymeFlow.Host.Runtime;

/// <summary>
/// TorchSharp <see cref="Scalar"/> constants that live as long as the process, for passing to tensor methods.
/// </summary>
/// <remarks>
/// <para>TorchSharp 0.107 frees a Scalar made by an implicit conversion (<c>t.mul(0.5)</c>, the alpha 1 that
/// <c>a + b</c> passes as <c>a.add(b, 1)</c>) only through its finalizer. Its wrappers read the Scalar's handle and
/// drop the Scalar before the native call ends, so the GC may free the value while libtorch still reads it: training
/// runs died with <c>toFloat at c10/core/Scalar.h</c>. A Scalar in a static field is never collected, and one in a
/// <c>using</c> local is alive until the call has returned. Analyzer rules RF0001–RF0003 (build/Analyzers) reject
/// every other way of passing one.</para>
/// <para>For a value that changes per call, hold it for the whole call:
/// <code>using var epsilon = Epsilon.ToScalar();
/// x.add_(epsilon, Scalars.One);</code></para>
/// <para>A constant keeps the C# type that the code it replaces converted from (an <see cref="int"/> 1 is TorchSharp's
/// own alpha, a <see cref="double"/> 1.0 what <c>t.clamp_(-1.0, 1.0)</c> passes): libtorch's type promotion reads the Scalar's
/// type, so the same type keeps results bit-identical.</para>
/// </remarks>
public static class Scalars
{
    /// <summary>Int32 1: the alpha of <c>a + b</c> (<c>a.add(b, Scalars.One)</c> is the same native call).</summary>
    public static readonly Scalar One = 1.ToScalar();

    /// <summary>Int32 0.</summary>
    public static readonly Scalar Zero = 0.ToScalar();

    /// <summary>Int32 2 (<c>x.square()</c> is <c>x.pow(Scalars.Two)</c>).</summary>
    public static readonly Scalar Two = 2.ToScalar();

    /// <summary>Int32 −2.</summary>
    public static readonly Scalar MinusTwo = (-2).ToScalar();

    /// <summary>Double 1.0.</summary>
    public static readonly Scalar OneDouble = 1.0.ToScalar();

    /// <summary>Double −1.0.</summary>
    public static readonly Scalar MinusOneDouble = (-1.0).ToScalar();
}
