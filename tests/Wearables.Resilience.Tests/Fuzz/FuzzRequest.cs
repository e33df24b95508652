using System.Globalization;
using System.Text;

namespace Wearables.Resilience.Tests.Fuzz;

/// <summary>One generated request, as data: sent by <see cref="FuzzRunner"/>, printed when it misbehaves.</summary>
public sealed record FuzzRequest(
    int Index,
    string Endpoint,
    string Family,
    string Caller,
    string Method,
    string PathAndQuery,
    IReadOnlyList<KeyValuePair<string, string[]>> Headers,
    string? ContentType,
    byte[]? Body)
{
    /// <summary>PUT/POST/DELETE/PATCH: a 2xx would mean something was accepted (and maybe stored).</summary>
    public bool Mutating => Method is "PUT" or "POST" or "DELETE" or "PATCH";

    /// <summary>Mutations that may legitimately answer 2xx without storing anything (idempotent deletes on empty data).</summary>
    public bool SuccessAllowed { get; init; }

    /// <summary>The credential must be refused (a JWT that does not verify, or with a multi-valued or non-string caller claim): only a 401 will do.</summary>
    public bool MustBeUnauthorized { get; init; }

    /// <summary>An admin route (credentials PUT, api-keys POST, settings PUT), sent with a JWT.</summary>
    public bool AdminRoute { get; init; }

    /// <summary>The JWT names exactly one admin of one project: the only caller an admin route may answer 2xx (its body is invalid anyway).</summary>
    public bool AdminSuccessAllowed { get; init; }

    public string Describe()
    {
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"#{Index} [{Endpoint}/{Family}] caller={Caller} {Method} {Clip(PathAndQuery, 200)}");
        if (ContentType is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $" ct=\"{Clip(ContentType, 80)}\"");
        }

        foreach (var (name, values) in Headers)
        {
            text.Append(CultureInfo.InvariantCulture, $" {Clip(name, 40)}=[{string.Join("|", values.Select(v => $"{v.Length} chars:{Clip(v, 24)}"))}]");
        }

        if (Body is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $" body({Body.Length} B)={Clip(Escape(Encoding.UTF8.GetString(Body, 0, Math.Min(Body.Length, 400))), 240)}");
        }

        return text.ToString();
    }

    private static string Clip(string s, int max) => s.Length <= max ? s : s[..max] + $"…(+{s.Length - max})";

    private static string Escape(string s)
    {
        var text = new StringBuilder();
        foreach (var c in s)
        {
            text.Append(c < 0x20 || c is '\u007f' or '\ufffd' ? $"\\x{(int)c:x2}" : c.ToString());
        }

        return text.ToString();
    }
}
