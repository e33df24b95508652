namespace Wearables.Application.Junction;

/// <summary>
/// Where a project's Junction calls may go: Junction's documented regions, the operator's
/// <c>Wearables:Junction:BaseUrl</c> and <c>Wearables:Junction:AllowedBaseUrls</c>. A project
/// admin names one of these, never an arbitrary host: the service would otherwise send its
/// requests wherever an admin pointed it.
/// </summary>
public sealed class JunctionEndpoints
{
    /// <summary>Junction's API bases per region and environment, as its SDKs name them.</summary>
    public static readonly IReadOnlyDictionary<string, Uri> Regions = new Dictionary<string, Uri>(StringComparer.Ordinal)
    {
        ["us"] = new("https://api.tryvital.io/"),
        ["eu"] = new("https://api.eu.tryvital.io/"),
        ["us-sandbox"] = new("https://api.sandbox.tryvital.io/"),
        ["eu-sandbox"] = new("https://api.sandbox.eu.tryvital.io/"),
    };

    private readonly HashSet<string> allowed = new(StringComparer.Ordinal);

    public JunctionEndpoints(Uri operatorBaseUrl, string? operatorApiKey, IEnumerable<Uri> allowedBaseUrls)
    {
        ArgumentNullException.ThrowIfNull(operatorBaseUrl);
        ArgumentNullException.ThrowIfNull(allowedBaseUrls);
        OperatorBaseUrl = Normalize(operatorBaseUrl);
        Fallback = string.IsNullOrWhiteSpace(operatorApiKey) ? null : new JunctionAccount(OperatorBaseUrl, operatorApiKey);
        foreach (var url in Regions.Values.Append(operatorBaseUrl).Concat(allowedBaseUrls))
        {
            allowed.Add(Normalize(url).AbsoluteUri);
        }
    }

    /// <summary><c>Wearables:Junction:BaseUrl</c>, with a trailing slash.</summary>
    public Uri OperatorBaseUrl { get; }

    /// <summary>The operator's own key (<c>Wearables:Junction:ApiKey</c>) for projects without their own; null when unset.</summary>
    public JunctionAccount? Fallback { get; }

    /// <summary>The allowed base for <paramref name="value"/> (an absolute http(s) URL without user info, query or fragment), or null.</summary>
    public Uri? Allowed(string? value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http")
            || url.UserInfo.Length > 0 || url.Query.Length > 0 || url.Fragment.Length > 0)
        {
            return null;
        }

        var normalized = Normalize(url);
        return allowed.Contains(normalized.AbsoluteUri) ? normalized : null;
    }

    /// <summary>The region whose base <paramref name="baseUrl"/> is, or null.</summary>
    public static string? RegionOf(Uri baseUrl) =>
        Regions.FirstOrDefault(r => r.Value.AbsoluteUri == Normalize(baseUrl).AbsoluteUri).Key;

    /// <summary>With a trailing slash, so that relative paths ("v2/…") append to the base path.</summary>
    public static Uri Normalize(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return new Uri(url.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/");
    }
}
