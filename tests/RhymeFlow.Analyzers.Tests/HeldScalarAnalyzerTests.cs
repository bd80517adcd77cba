namespace RhymeFlow.Analyzers.Tests;

public sealed class HeldScalarAnalyzerTests
{
    private const string Prologue = """
        using System;
        using TorchSharp;
        using static TorchSharp.torch;

        """;

    [Fact]
    public async Task Flags_the_patterns_that_crashed_training()
    {
        await AnalyzerHarness.AssertMarkedDiagnosticsAsync(Prologue + """
            public static class Bad
            {
                public static Tensor Step(Tensor hidden, Tensor attended, Tensor p, double eps)
                {
                    p.add_(1e-8); // RF0001 RF0002
                    p.add_(eps); // RF0001 RF0002
                    var y = hidden + attended; // RF0002
                    return y * 0.5; // RF0002
                }
            }
            """);
    }

    [Fact]
    public async Task Flags_every_form_of_an_unheld_scalar()
    {
        await AnalyzerHarness.AssertMarkedDiagnosticsAsync(Prologue + """
            public static class Bad
            {
                public static Scalar Property => 0.5.ToScalar(); // RF0003

                public static void Forms(Tensor a, Tensor b, double x)
                {
                    a.clamp(-1, 1); // RF0001 RF0001
                    a.mul(x.ToScalar()); // RF0003
                    a.mul((Scalar)x); // RF0003
                    a.mul(((Scalar)(x))); // RF0003
                    var local = x.ToScalar(); // RF0003
                    a.mul(local);
                    Scalar implicitLocal = x; // RF0001
                    a.mul(implicitLocal);
                    using var summed = a.sum();
                    a.mul(summed.ToScalar()); // RF0003
                    a.add_(b, alpha: x); // RF0001
                    a.addcmul_(a, b, value: 0.1); // RF0001
                }

                public static Scalar Returned(double x) => x.ToScalar(); // RF0003
            }
            """);
    }

    [Fact]
    public async Task Flags_the_members_that_convert_inside_TorchSharp()
    {
        await AnalyzerHarness.AssertMarkedDiagnosticsAsync(Prologue + """
            public static class Bad
            {
                public static void Members(Tensor a, Tensor b)
                {
                    _ = a + b; // RF0002
                    _ = a + 1; // RF0002
                    _ = 1 - a; // RF0002
                    _ = a - 1.0; // RF0002
                    _ = a * 2f; // RF0002
                    _ = 2L * a; // RF0002
                    _ = a / 3; // RF0002
                    _ = 1 / a; // RF0002
                    _ = a % 2; // RF0002
                    a += b; // RF0002
                    _ = a.add(b); // RF0002
                    a.add_(b); // RF0002
                    _ = torch.add(a, b); // RF0002
                    _ = a.square(); // RF0002
                    _ = a.addcdiv(a, b); // RF0002
                    _ = nn.functional.leaky_relu(a, 0.1); // RF0002
                    _ = nn.functional.softplus(a); // RF0002
                    _ = torch.linalg.vector_norm(a); // RF0002
                    Func<Tensor> square = a.square; // RF0002
                }
            }
            """);
    }

    [Fact]
    public async Task Passes_held_scalars_and_operators_that_create_none()
    {
        await AnalyzerHarness.AssertMarkedDiagnosticsAsync(Prologue + """
            public static class Constants
            {
                public static readonly Scalar One = 1.ToScalar();
                public static readonly Scalar Half = 0.5;
            }

            public sealed class Good : IDisposable
            {
                private readonly Scalar _epsilon;
                private Scalar? _beta;

                public Good(double epsilon)
                {
                    _epsilon = epsilon.ToScalar();
                    _beta = (Scalar)0.9;
                }

                public Scalar Gamma { get; } = 0.99.ToScalar();

                public Tensor Step(Tensor a, Tensor b, double x)
                {
                    using var scalar = x.ToScalar();
                    using Scalar implicitScalar = x;
                    using (var explicitScalar = (Scalar)x)
                    {
                        a.mul_(explicitScalar);
                    }

                    a.add_(b, Constants.One).mul_(Constants.Half).add_(_epsilon, Constants.One);
                    var sum = a.add(b, Constants.One).mul(scalar).sub(implicitScalar).div(scalar);
                    return sum - a - (a * b) - (a / b) - (-a) - a.mul(_beta!);
                }

                public void Dispose()
                {
                    _epsilon.Dispose();
                    _beta?.Dispose();
                    Gamma.Dispose();
                }
            }
            """);
    }

    [Fact]
    public async Task Stays_silent_without_TorchSharp()
    {
        var diagnostics = await AnalyzerHarness.AnalyzeAsync("""
            public static class Plain
            {
                public static double Twice(double x) => x + x;
            }
            """);
        Assert.Empty(diagnostics);
    }
}
