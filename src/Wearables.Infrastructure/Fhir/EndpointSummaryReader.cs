using System.Globalization;
using System.Text.Json;
using Wearables.Application.Connections;
using Wearables.Domain.Connections;
using Wearables.Infrastructure.Connections;

namespace Wearables.Infrastructure.Fhir;

/// <summary>
/// The list's fields of the Endpoints of one search page, read straight from the JSON: no Firely model,
/// no token envelopes, nothing the list does not show. It reads what <see cref="EndpointCodec.Decode(Hl7.Fhir.Model.Endpoint, string?)"/>
/// reads for those fields, by the same rules (first matching tag, identifier and extension; the same value
/// types). Anything it does not know how to read as the codec would (a field missing, a status or an
/// instant it cannot parse, a page that is no bundle) makes it answer null, and the caller decodes that
/// page with the SDK instead, which keeps the SDK's answer (or refusal) for such data.
/// A full decode costs ≈ 35 KB and 70–130 µs per Endpoint (bench/HISTORY.md); this, a few KB per page.
/// </summary>
internal static class EndpointSummaryReader
{
    /// <summary>The page's matched Endpoints as summaries and its <c>next</c> link, or null: decode it with the SDK.</summary>
    public static (List<(string ProjectId, ConnectionSummary Summary)> Matches, string? Next)? TryRead(ReadOnlyMemory<byte> utf8)
    {
        try
        {
            using var document = JsonDocument.Parse(utf8);
            return Read(document.RootElement);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            return null;
        }
    }

    private static (List<(string ProjectId, ConnectionSummary Summary)>, string?)? Read(JsonElement bundle)
    {
        if (bundle.ValueKind != JsonValueKind.Object || Text(bundle, "resourceType") != "Bundle")
        {
            return null;
        }

        var found = new List<(string ProjectId, ConnectionSummary Summary)>();
        if (bundle.TryGetProperty("entry", out var entries))
        {
            foreach (var entry in entries.EnumerateArray())
            {
                // As the SDK path: a mode other than "match" (outcome, include, unknown) is no match.
                if (entry.TryGetProperty("search", out var search) && search.TryGetProperty("mode", out var mode) && mode.GetString() != "match")
                {
                    continue;
                }

                if (!entry.TryGetProperty("resource", out var resource) || Text(resource, "resourceType") != "Endpoint")
                {
                    continue;
                }

                if (Summary(resource) is not { } summary)
                {
                    return null;
                }

                found.Add(summary);
            }
        }

        string? next = null;
        if (bundle.TryGetProperty("link", out var links))
        {
            foreach (var link in links.EnumerateArray())
            {
                if (Text(link, "relation") == "next")
                {
                    next = Text(link, "url");
                    break;
                }
            }
        }

        return (found, next);
    }

    private static (string ProjectId, ConnectionSummary Summary)? Summary(JsonElement endpoint)
    {
        var project = First(endpoint, "meta", "tag", EndpointCodec.ProjectTagSystem, "code");
        var provider = ExtensionText(endpoint, EndpointCodec.ProviderExtension)
            ?? (endpoint.TryGetProperty("connectionType", out var type) ? Text(type, "code") : null);
        var patient = First(endpoint, null, "identifier", EndpointCodec.PatientIdentifierSystem, "value");
        if (project is null || provider is null || patient is null)
        {
            return null;
        }

        ConnectionStatus status;
        switch (Text(endpoint, "status"))
        {
            case "off": status = ConnectionStatus.Revoked; break;
            case "error": status = ConnectionStatus.Expired; break;
            case "active" or "suspended" or "entered-in-error" or "test" or null: status = ConnectionStatus.Active; break;
            default: return null; // not an R4 code: the SDK refuses it when read
        }

        var linkStatus = ExtensionText(endpoint, EndpointCodec.LinkStatusExtension) is { } ls && Enum.TryParse<LinkStatus>(ls, ignoreCase: true, out var parsed)
            ? parsed
            : (LinkStatus?)null;
        var periodStart = endpoint.TryGetProperty("period", out var period) ? Text(period, "start") : null;
        var connectedAt = ParseInstant(periodStart) ?? DateTimeOffset.UnixEpoch;
        if (!TryMoment(endpoint, EndpointCodec.LastSyncExtension, out var lastSynced)
            || !TryMoment(endpoint, EndpointCodec.CreatedExtension, out var created)
            || !TryMoment(endpoint, EndpointCodec.UpdatedExtension, out var updated))
        {
            return null;
        }

        return (project, new ConnectionSummary(
            Connection.IdFor(project, patient, provider),
            patient,
            provider,
            status,
            linkStatus,
            First(endpoint, null, "identifier", EndpointCodec.ProviderUserSystem(provider), "value"),
            ExtensionText(endpoint, EndpointCodec.UsernameExtension),
            ExtensionText(endpoint, EndpointCodec.ScopeExtension),
            lastSynced,
            created ?? connectedAt,
            updated ?? connectedAt));
    }

    /// <summary>The string <paramref name="name"/> of an object, or null (absent, or not an object).</summary>
    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary><c>[parent.]array[system = …].field</c> of the first element of that system.</summary>
    private static string? First(JsonElement resource, string? parent, string array, string system, string field)
    {
        if (parent is not null && !resource.TryGetProperty(parent, out resource))
        {
            return null;
        }

        if (!resource.TryGetProperty(array, out var items) || items.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var item in items.EnumerateArray())
        {
            if (Text(item, "system") == system)
            {
                return Text(item, field);
            }
        }

        return null;
    }

    private static JsonElement? Extension(JsonElement resource, string url)
    {
        if (!resource.TryGetProperty("extension", out var extensions) || extensions.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var extension in extensions.EnumerateArray())
        {
            if (Text(extension, "url") == url)
            {
                return extension;
            }
        }

        return null;
    }

    /// <summary>As the codec: a string, a code or a reference's <c>reference</c>.</summary>
    private static string? ExtensionText(JsonElement resource, string url) => Extension(resource, url) is { } e
        ? Text(e, "valueString") ?? Text(e, "valueCode") ?? (e.TryGetProperty("valueReference", out var reference) ? Text(reference, "reference") : null)
        : null;

    /// <summary>As the codec: an instant, a dateTime or a string; false when an instant does not parse (the SDK's answer then).</summary>
    private static bool TryMoment(JsonElement resource, string url, out DateTimeOffset? moment)
    {
        moment = null;
        if (Extension(resource, url) is not { } e)
        {
            return true;
        }

        if (Text(e, "valueInstant") is { } instant)
        {
            moment = ParseInstant(instant);
            return moment is not null;
        }

        moment = ParseInstant(Text(e, "valueDateTime") ?? Text(e, "valueString"));
        return true;
    }

    private static DateTimeOffset? ParseInstant(string? value) =>
        value is not null && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : null;
}
