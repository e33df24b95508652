using Microsoft.Extensions.Logging;

namespace Wearables.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Which captured log entries must be free of secrets. The capture sees every call at every level;
/// what the service writes out is decided by its Serilog minimum levels (src/Wearables.Api/Program.cs:
/// Information, "Microsoft" and "System.Net.Http.HttpClient" at Warning, DataProtection at Error).
/// Entries the sink writes must be clean, and the service's own categories (Wearables.*) must be
/// clean at every level, since an operator may lower the level. Framework entries below the sink
/// level are reported, not failed.
/// </summary>
public static class LogPolicy
{
    public static LogLevel SinkMinimum(string category) =>
        Matches(category, "Microsoft.AspNetCore.DataProtection") ? LogLevel.Error
        : Matches(category, "Microsoft") || Matches(category, "System.Net.Http.HttpClient") ? LogLevel.Warning
        : LogLevel.Information;

    public static bool MustBeClean(CapturedLog entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.Level >= SinkMinimum(entry.Category) || Matches(entry.Category, "Wearables");
    }

    /// <summary>"kind in [category] message" for every (entry, secret) pair where the entry's text contains the secret.</summary>
    public static IReadOnlyList<string> Leaks(IEnumerable<CapturedLog> entries, IReadOnlyDictionary<string, string> secrets)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(secrets);
        var leaks = new List<string>();
        foreach (var entry in entries)
        {
            var text = entry.AllText;
            foreach (var (value, kind) in secrets)
            {
                if (text.Contains(value, StringComparison.Ordinal))
                {
                    leaks.Add($"{kind} in {entry}");
                }
            }
        }

        return leaks;
    }

    // Serilog's override rule: the category is the name or starts with the name and a dot.
    private static bool Matches(string category, string name) =>
        category == name || category.StartsWith(name + ".", StringComparison.Ordinal);
}
