using RhymeFlow.Host.Models.Umt5;
using Xunit.Abstractions;

namespace RhymeFlow.Host.Tests.Models.Umt5;

/// <summary>Reduced precision, input checks, and the memory discipline of <see cref="Umt5Encoder.Encode"/>.</summary>
public sealed class Umt5DtypeAndMemoryTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(ScalarType.BFloat16, 2e-2)]
    [InlineData(ScalarType.Float16, 5e-3)]
    public void ReducedPrecisionStaysCloseToTheReference(ScalarType dtype, double tolerance)
    {
        using var model = Umt5Tiny.Load(dtype);
        var inputs = Umt5Tiny.ReadCase();
        using var hidden = model.Encode(inputs["input_ids"], inputs["attention_mask"]);

        Assert.Equal(dtype, hidden.dtype);
        var error = Umt5Tiny.RelativeError(hidden, inputs["last_hidden_state"]);
        output.WriteLine($"{dtype}: relative L2 error {error:E3}");
        Assert.True(error < tolerance, $"{dtype}: relative error {error:E3}");
        Umt5Tiny.DisposeAll(inputs);
    }

    [Fact]
    public void AcceptsInt32IdsAndBoolMasks()
    {
        using var model = Umt5Tiny.Load();
        var inputs = Umt5Tiny.ReadCase();
        using var ids = inputs["input_ids"].to(ScalarType.Int32);
        using var mask = inputs["attention_mask"].to(ScalarType.Bool);
        using var hidden = model.Encode(ids, mask);
        using var reference = model.Encode(inputs["input_ids"], inputs["attention_mask"]);
        Assert.True(hidden.eq(reference).all().item<bool>());
        Umt5Tiny.DisposeAll(inputs);
    }

    [Fact]
    public void RejectsBadInputs()
    {
        using var model = Umt5Tiny.Load();
        using var floats = ones(1, 4);
        using var ids = ones(1, 4, dtype: ScalarType.Int64);
        using var shortMask = ones(1, 3);
        using var flat = ones(4, dtype: ScalarType.Int64);
        Assert.Throws<ArgumentException>(() => model.Encode(floats, floats));
        Assert.Throws<ArgumentException>(() => model.Encode(ids, shortMask));
        Assert.Throws<ArgumentException>(() => model.Encode(flat, flat));
        Assert.Throws<ArgumentException>(() => Umt5Encoder.Create(Umt5Tiny.Config, ScalarType.Int32, CPU));
    }

    [Fact]
    public void RepeatedEncodesLeaveNoLiveTensors()
    {
        using var model = Umt5Tiny.Load();
        var inputs = Umt5Tiny.ReadCase();
        using (var warmUp = model.Encode(inputs["input_ids"], inputs["attention_mask"]))
        {
        }

        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 5; i++)
        {
            using var hidden = model.Encode(inputs["input_ids"], inputs["attention_mask"]);
            using var prepared = WanPromptEmbeddings.Prepare(hidden, inputs["attention_mask"], length: 16);
        }

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Umt5Tiny.DisposeAll(inputs);
    }
}
