using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace RhymeFlow.Cluster;

/// <summary>Where the cluster's Redis listens, from <c>redis://HOST:PORT</c>: the only shared address a cluster needs.</summary>
public sealed record RedisAddress(string Host, int Port)
{
    public const string Scheme = "redis://";

    /// <summary>The host and port as StackExchange.Redis takes them.</summary>
    public string EndPoint => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    /// <summary>Whether every silo of this cluster must be on this machine (Redis on a loopback address).</summary>
    public bool IsLoopback => Host is "localhost" or "::1" || Host.StartsWith("127.", StringComparison.Ordinal);

    public override string ToString() => Scheme + EndPoint;

    /// <summary>Parses <c>redis://HOST:PORT</c> (an IPv6 host in brackets); the error says what was expected.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out RedisAddress? address, [NotNullWhen(false)] out string? error)
    {
        address = null;
        const string Expected = "expected redis://HOST:PORT, e.g. redis://127.0.0.1:6379";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = $"the cluster address is empty: {Expected}.";
            return false;
        }

        if (!text.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            error = $"'{text}' is not a Redis address: {Expected}.";
            return false;
        }

        var rest = text[Scheme.Length..].TrimEnd('/');
        var colon = rest.LastIndexOf(':');
        var host = colon > 0 ? rest[..colon] : rest;
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }

        if (colon <= 0 || host.Length == 0 || host.Contains('/', StringComparison.Ordinal) || host.Contains('@', StringComparison.Ordinal))
        {
            error = $"'{text}' has no host and port: {Expected}.";
            return false;
        }

        if (!int.TryParse(rest[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            error = $"'{text}' has no valid port (1..65535): {Expected}.";
            return false;
        }

        address = new RedisAddress(host, port);
        error = null;
        return true;
    }
}
