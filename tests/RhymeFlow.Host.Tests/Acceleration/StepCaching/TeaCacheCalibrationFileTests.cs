using RhymeFlow.Host.Acceleration.StepCaching;
using RhymeFlow.Host.BuiltIn;
using RhymeFlow.Host.Tests.Checkpoints;

namespace RhymeFlow.Host.Tests.Acceleration.StepCaching;

public sealed class TeaCacheCalibrationFileTests
{
    [Fact]
    public void AWrittenCalibrationReadsBack()
    {
        using var folder = new TempDirectory();
        var path = Path.Combine(folder.Path, TeaCacheCalibrationFile.FileName);
        var file = new TeaCacheCalibrationFile([1.5, -0.25, 0.125], 0.875, 58, 30, 1, "2026-11-30T00:00:00Z", "calibrate-teacache --count 1");
        file.Write(path);
        var read = TeaCacheCalibrationFile.ReadIfPresent(path)!;
        Assert.Equal(file.Coefficients, read.Coefficients);
        Assert.Equal(file with { Coefficients = read.Coefficients }, read);
        Assert.Null(TeaCacheCalibrationFile.ReadIfPresent(Path.Combine(folder.Path, "none.json")));
    }

    [Theory]
    [InlineData("{", "not valid JSON")]
    [InlineData("[]", "expected a JSON object")]
    [InlineData("""{"coefficients": []}""", "\"coefficients\" must be an array")]
    [InlineData("""{"coefficients": [1, "x"]}""", "not a finite number")]
    [InlineData("""{"coefficients": [1, 2], "r_squared": 0.9}""", "\"samples\" must be a finite number")]
    public void AMalformedCalibrationIsAClearErrorNamingTheFile(string json, string problem)
    {
        using var folder = new TempDirectory();
        var path = Path.Combine(folder.Path, TeaCacheCalibrationFile.FileName);
        File.WriteAllText(path, json);
        var error = Assert.Throws<InvalidDataException>(() => TeaCacheCalibrationFile.ReadIfPresent(path));
        Assert.Contains(path, error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void TheShippedModelCarriesItsCalibration()
    {
        var calibration = TeaCacheCalibrationFile.ReadIfPresent(Path.Combine(MiniModel.DefaultDirectory, TeaCacheCalibrationFile.FileName));
        Assert.NotNull(calibration);
        Assert.Equal(TeaCacheCalibration.DefaultDegree + 1, calibration.Coefficients.Count);
        Assert.InRange(calibration.RSquared, 0.5, 1);
        Assert.Equal(30, calibration.Steps);
    }
}
