using System.Security.Cryptography;
using System.Text;

namespace RhymeFlow.Cluster;

/// <summary>
/// A study's id on the cluster: a hash of what decides its jobs and where their results go, so the same study
/// submitted again (to reattach, or after its coordinator's silo died) is the same study.
/// </summary>
public static class StudyIds
{
    /// <summary>"study-" and 12 hex digits of the SHA-256 of the study text, caption count, model and results folder.</summary>
    public static string Of(string studyJson, int captions, string model, string results)
    {
        ArgumentNullException.ThrowIfNull(studyJson);
        var text = string.Join('\n', studyJson, captions, model, Path.GetFullPath(results));
        return "study-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
    }
}
