using RhymeFlow.Host.Models.Umt5;
using Xunit.Abstractions;

namespace RhymeFlow.Host.Tests.Models.Umt5;

/// <summary>The encoder against transformers' <c>UMT5EncoderModel</c> on the two-layer reference model.</summary>
public sealed class Umt5ParityTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    [Fact]
    public void MatchesTransformersWithTheMask()
    {
        using var model = Umt5Tiny.Load();
        var inputs = Umt5Tiny.ReadCase();
        using var hidden = model.Encode(inputs["input_ids"], inputs["attention_mask"]);

        Assert.Equal(ScalarType.Float32, hidden.dtype);
        Assert.Equal(inputs["last_hidden_state"].shape, hidden.shape);
        var error = Umt5Tiny.RelativeError(hidden, inputs["last_hidden_state"]);
        output.WriteLine($"whole tensor: relative L2 error {error:E3}");
        Assert.True(error < Tolerance, $"relative error {error:E3}");
        for (var row = 0; row < 2; row++)
        {
            using var actualRow = hidden[row];
            using var expectedRow = inputs["last_hidden_state"][row];
            var rowError = Umt5Tiny.RelativeError(actualRow, expectedRow);
            output.WriteLine($"row {row}: relative L2 error {rowError:E3}");
            Assert.True(rowError < Tolerance, $"row {row}: relative error {rowError:E3}");
        }

        Umt5Tiny.DisposeAll(inputs);
    }

    [Fact]
    public void TheFixtureMasksTheSecondRowFromToken7()
    {
        var inputs = Umt5Tiny.ReadCase();
        using var expected = tensor(new long[] { 12, 7 });
        using var lengths = inputs["attention_mask"].sum(1);
        Assert.True(lengths.eq(expected).all().item<bool>());
        Umt5Tiny.DisposeAll(inputs);
    }

    [Fact]
    public void TheMaskChangesTheUnmaskedTokens()
    {
        // Row 1 without its mask attends to the padding too, so its first seven outputs must move.
        using var model = Umt5Tiny.Load();
        var inputs = Umt5Tiny.ReadCase();
        using var unmasked = ones_like(inputs["attention_mask"]);
        using var withoutMask = model.Encode(inputs["input_ids"], unmasked);
        using var actual = withoutMask[1].narrow(0, 0, 7);
        using var expected = inputs["last_hidden_state"][1].narrow(0, 0, 7);
        Assert.True(Umt5Tiny.RelativeError(actual, expected) > 1e-3);
        Umt5Tiny.DisposeAll(inputs);
    }

    [Fact]
    public void OneRowAloneEqualsItsRowInTheBatch()
    {
        using var model = Umt5Tiny.Load();
        var inputs = Umt5Tiny.ReadCase();
        using var batched = model.Encode(inputs["input_ids"], inputs["attention_mask"]);
        using var ids = inputs["input_ids"].narrow(0, 1, 1);
        using var mask = inputs["attention_mask"].narrow(0, 1, 1);
        using var single = model.Encode(ids, mask);
        using var batchedRow = batched.narrow(0, 1, 1);
        Assert.True(Umt5Tiny.RelativeError(single, batchedRow) < 1e-6);
        Umt5Tiny.DisposeAll(inputs);
    }
}
