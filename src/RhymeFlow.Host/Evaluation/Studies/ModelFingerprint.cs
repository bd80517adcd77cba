using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using RhymeFlow.Host.BuiltIn;
using static TorchSharp.torch;

namespace RhymeFlow.Host.Evaluation.Studies;

/// <summary>
/// Names a loaded model by what it computes with, not where it came from: a hash of its weights (names, dtypes, shapes
/// and values, in key order) and its TeaCache calibration.
/// </summary>
/// <remarks>
/// Jobs name their model by this fingerprint, so two workers that hold the same package under different folders agree
/// on every job key, and a job of another model is never run by mistake. The hash is of the weights as loaded (the
/// compute dtype), which is what the clips depend on.
/// </remarks>
public static class ModelFingerprint
{
    /// <summary>"sha256-" and the first 16 hex digits of the hash.</summary>
    public static string Of(MiniModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (name, tensor) in model.state_dict().OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var cpu = tensor.detach().cpu().contiguous();
            hash.AppendData(Encoding.UTF8.GetBytes($"{name}|{cpu.dtype}|{string.Join(',', cpu.shape)}|"));
            hash.AppendData(cpu.bytes);
        }

        if (model.TeaCacheCoefficients is { } coefficients)
        {
            hash.AppendData(Encoding.UTF8.GetBytes("teacache|" + string.Join(',', coefficients.Select(c => c.ToString("R", CultureInfo.InvariantCulture)))));
        }

        return "sha256-" + Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }
}
