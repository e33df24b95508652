using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Common.Interfaces;
using Wearables.Application.Connections;
using Wearables.Domain.Connections;
using Wearables.Infrastructure.Connections;
using Bundle = Hl7.Fhir.Model.Bundle;
using Endpoint = Hl7.Fhir.Model.Endpoint;
using Resource = Hl7.Fhir.Model.Resource;

namespace Wearables.Infrastructure.Fhir;

/// <summary>
/// Connections on a FHIR R4 server over REST: conditional create, update with <c>If-Match</c>,
/// search by identifier (patient, connection key) and project <c>_tag</c>. Resources are written
/// and read by the <see cref="EndpointCodec"/>, search pages as Firely <see cref="Bundle"/>s.
/// Server down, slow or failing → 503 (<see cref="DependencyUnavailableException"/>).
/// </summary>
public sealed partial class FhirConnectionRepository(HttpClient http, EndpointCodec codec, ILogger<FhirConnectionRepository> logger) : IConnectionRepository, IConnectionInventory, IStoreHealth
{
    public const string HttpClientName = "fhir";

    /// <summary>Search results asked for per page (<c>_count</c>); a server may page by fewer.</summary>
    public const int PageSize = 100;

    /// <summary>How many pages one search follows at most, against a server whose next links never end.</summary>
    private const int MaxPages = 100;

    private const string FhirJsonType = "application/fhir+json";

    public string Name => "fhir";

    public async Task<Connection?> FindAsync(string projectId, string patientId, string provider, CancellationToken cancellationToken)
    {
        var query = "Endpoint?identifier=" + Uri.EscapeDataString(EndpointCodec.ConnectionKeySystem + "|" + EndpointCodec.ConnectionKey(projectId, patientId, provider))
            + "&_tag=" + Uri.EscapeDataString(EndpointCodec.ProjectTagSystem + "|" + projectId);
        var found = await SearchAsync(query, cancellationToken).ConfigureAwait(false);
        return found.FirstOrDefault(c => c.ProjectId == projectId && c.PatientId == patientId && c.Provider == provider);
    }

    public async Task<IReadOnlyList<Connection>> ListByPatientAsync(string projectId, string patientId, CancellationToken cancellationToken)
    {
        var found = await SearchAsync(PatientQuery(projectId, patientId), cancellationToken).ConfigureAwait(false);
        return found
            .Where(c => c.ProjectId == projectId && c.PatientId == patientId)
            .OrderBy(c => c.Provider, StringComparer.Ordinal)
            .ToList();
    }

    private static string PatientQuery(string projectId, string patientId) =>
        $"Endpoint?identifier={Uri.EscapeDataString(EndpointCodec.PatientIdentifierSystem + "|" + patientId)}"
        + $"&_tag={Uri.EscapeDataString(EndpointCodec.ProjectTagSystem + "|" + projectId)}&_count={PageSize}";

    /// <summary>An identifier search: the provider user's identifier (a system per provider) within the project's tag.</summary>
    public async Task<IReadOnlyList<Connection>> FindByProviderUserAsync(string projectId, string provider, string providerUserId, CancellationToken cancellationToken)
    {
        var query = "Endpoint?identifier=" + Uri.EscapeDataString(EndpointCodec.ProviderUserSystem(provider) + "|" + providerUserId)
            + "&_tag=" + Uri.EscapeDataString(EndpointCodec.ProjectTagSystem + "|" + projectId) + $"&_count={PageSize}";
        var found = await SearchAsync(query, cancellationToken).ConfigureAwait(false);
        return found.Where(c => c.ProjectId == projectId && c.Provider == provider && c.ProviderUserId == providerUserId).ToList();
    }

    /// <summary>
    /// A FHIR server keeps nothing beside the resources: the summaries are read from the Endpoints of the
    /// search, only their listed fields (<see cref="EndpointSummaryReader"/>); a page that reader does not
    /// know how to read is decoded with the SDK, as every read did before.
    /// </summary>
    public async Task<IReadOnlyList<ConnectionSummary>> ListSummariesByPatientAsync(string projectId, string patientId, CancellationToken cancellationToken)
    {
        var found = await SearchPagesAsync(PatientQuery(projectId, patientId), body => EndpointSummaryReader.TryRead(body) is { } page
            ? (page.Matches, page.Next)
            : DecodedPage(body, c => (c.ProjectId, Summary: ConnectionSummary.Of(c))), cancellationToken).ConfigureAwait(false);
        return found
            .Where(c => c.ProjectId == projectId && c.Summary.PatientId == patientId)
            .Select(c => c.Summary)
            .OrderBy(c => c.Provider, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// New connections are a conditional create (<c>POST</c> with <c>If-None-Exist</c> on the
    /// connection key), so two concurrent creators cannot both win; updates are <c>PUT</c> with
    /// <c>If-Match</c>. The store version is "resource id|version id" (the server picks resource ids).
    /// </summary>
    public async Task SaveAsync(Connection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var existing = ParseVersion(connection.Version);
        var json = codec.Encode(connection, existing?.ResourceId);
        using var response = await SendAsync(() =>
        {
            HttpRequestMessage request;
            if (existing is { } v)
            {
                request = new HttpRequestMessage(HttpMethod.Put, $"Endpoint/{Uri.EscapeDataString(v.ResourceId)}");
                request.Headers.TryAddWithoutValidation("If-Match", $"W/\"{v.VersionId}\"");
            }
            else
            {
                request = new HttpRequestMessage(HttpMethod.Post, "Endpoint");
                request.Headers.TryAddWithoutValidation("If-None-Exist", "identifier=" + Uri.EscapeDataString(
                    EndpointCodec.ConnectionKeySystem + "|" + EndpointCodec.ConnectionKey(connection.ProjectId, connection.PatientId, connection.Provider)));
            }

            request.Content = new StringContent(json, Encoding.UTF8, FhirJsonType);
            return request;
        }, cancellationToken).ConfigureAwait(false);

        // 412 stale If-Match (or several matches); 409 conflict; 200 on a conditional create: it already exists.
        if (response.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict or HttpStatusCode.NotFound
            || (existing is null && response.StatusCode == HttpStatusCode.OK))
        {
            throw ConflictException.Concurrent();
        }

        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        var saved = await ReadAsync<Endpoint>(response, cancellationToken).ConfigureAwait(false);
        connection.SetVersion(StoreVersion(saved));
    }

    /// <summary>
    /// Every Endpoint of the server, a search page at a time (the cursor is the page's <c>next</c> link);
    /// Endpoints that are not connections of ours are passed over.
    /// </summary>
    public async Task<ConnectionPage> ListPageAsync(string? cursor, int max, CancellationToken cancellationToken)
    {
        var page = cursor is null ? new Uri($"Endpoint?_count={max}", UriKind.Relative) : new Uri(cursor, UriKind.RelativeOrAbsolute);
        if (page.IsAbsoluteUri && (http.BaseAddress is not { } root || !root.IsBaseOf(page)))
        {
            throw new DependencyUnavailableException("connection_store_unavailable", "A cursor outside the FHIR server's base URL.");
        }

        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, page), cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        var bundle = await ReadAsync<Bundle>(response, cancellationToken).ConfigureAwait(false);
        var found = new List<Connection>();
        foreach (var endpoint in Matches(bundle))
        {
            try
            {
                found.Add(EndpointCodec.Decode(endpoint, StoreVersion(endpoint)));
            }
            catch (Exception ex) when (ex is InvalidDataException or Wearables.Domain.Common.DomainRuleException)
            {
                // Another application's Endpoint on the same server: not ours to re-seal.
            }
        }

        return new ConnectionPage(found, NextPage(NextLink(bundle))?.ToString());
    }

    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, "metadata"), cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (DependencyUnavailableException)
        {
            return false;
        }
    }

    /// <summary>Every match of a search, decoded with the SDK.</summary>
    private Task<List<Connection>> SearchAsync(string query, CancellationToken cancellationToken) =>
        SearchPagesAsync(query, body => DecodedPage(body, c => c), cancellationToken);

    /// <summary>A search page's matched Endpoints, decoded with the SDK, and its <c>next</c> link.</summary>
    private static (IEnumerable<T> Found, string? Next) DecodedPage<T>(byte[] body, Func<Connection, T> select)
    {
        var bundle = ParseBody<Bundle>(body);
        return (Matches(bundle).Select(endpoint => select(EndpointCodec.Decode(endpoint, StoreVersion(endpoint)))).ToList(),
            NextLink(bundle));
    }

    private static string? NextLink(Bundle bundle) => bundle.Link.FirstOrDefault(l => l.Relation == "next")?.Url;

    /// <summary>Every match of a search: the first page and each page its <c>next</c> link leads to.</summary>
    private async Task<List<T>> SearchPagesAsync<T>(string query, Func<byte[], (IEnumerable<T> Found, string? Next)> readPage, CancellationToken cancellationToken)
    {
        var found = new List<T>();
        Uri? page = new(query, UriKind.Relative);
        for (var pages = 0; page is not null; pages++)
        {
            if (pages == MaxPages)
            {
                throw new DependencyUnavailableException("connection_store_unavailable", $"The FHIR server's search went on past {MaxPages} pages.");
            }

            var current = page;
            using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, current), cancellationToken).ConfigureAwait(false);
            await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            var (matches, next) = readPage(body);
            found.AddRange(matches);
            page = NextPage(next);
        }

        return found;
    }

    /// <summary>
    /// The Endpoints a search page matched. A page may carry other entries: an OperationOutcome
    /// about the search (mode <c>outcome</c>) or resources it was asked to include (<c>include</c>).
    /// </summary>
    private static IEnumerable<Endpoint> Matches(Bundle bundle) =>
        bundle.Entry
            .Where(e => e.Search?.ModeElement?.JsonValue is null or "match") // the literal: a mode R4 does not know is no match either
            .Select(e => e.Resource)
            .OfType<Endpoint>();

    /// <summary>
    /// The bundle's <c>next</c> link. It is followed only below the configured base URL: the
    /// request carries the server's credentials, and a link elsewhere is not the server's to give.
    /// </summary>
    private Uri? NextPage(string? next)
    {
        if (string.IsNullOrEmpty(next))
        {
            return null;
        }

        if (http.BaseAddress is not { } root || !Uri.TryCreate(root, next, out var uri) || !root.IsBaseOf(uri))
        {
            throw new DependencyUnavailableException("connection_store_unavailable", "The FHIR server linked a next page outside its base URL.");
        }

        return uri;
    }

    private static string? StoreVersion(Endpoint endpoint) =>
        endpoint.Id is { } id && endpoint.Meta?.VersionId is { } vid ? $"{id}|{vid}" : null;

    private static (string ResourceId, string VersionId)? ParseVersion(string? version)
    {
        var separator = version?.IndexOf('|', StringComparison.Ordinal) ?? -1;
        return separator > 0 ? (version![..separator], version[(separator + 1)..]) : null;
    }

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, CancellationToken cancellationToken)
    {
        using var request = create();
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(FhirJsonType));
        try
        {
            var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            // A redirect is not followed (it would carry our bearer token elsewhere): like a 5xx, the
            // server is unusable as configured, not a bug of ours (which a 4xx would be).
            if ((int)response.StatusCode is >= 500 or (>= 300 and < 400))
            {
                LogFailure(logger, request.Method.Method, (int)response.StatusCode);
                response.Dispose();
                throw new DependencyUnavailableException("connection_store_unavailable", "The FHIR server is not available.");
            }

            return response;
        }
        catch (Exception ex) when (TransportFailure.Is(ex, cancellationToken))
        {
            LogUnreachable(logger, request.Method.Method, ex.GetType().Name);
            throw new DependencyUnavailableException("connection_store_unavailable", "The FHIR server could not be reached in time.", ex);
        }
    }

    private async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        // A 4xx here means we sent something the server refuses (e.g. invalid FHIR): a bug, not an outage.
        var outcome = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        LogRefused(logger, (int)response.StatusCode, outcome.Length > 500 ? outcome[..500] : outcome);
        throw new InvalidOperationException($"The FHIR server refused the request with HTTP {(int)response.StatusCode}.");
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
        where T : Resource
    {
        return ParseBody<T>(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
    }

    private static T ParseBody<T>(byte[] body)
        where T : Resource
    {
        try
        {
            return FhirJson.Parse<T>(body);
        }
        catch (InvalidDataException ex)
        {
            throw new DependencyUnavailableException("connection_store_unavailable", $"The FHIR server answered something that is not a FHIR {typeof(T).Name}.", ex);
        }
    }

    [LoggerMessage(LogLevel.Error, "FHIR server answered {Method} with HTTP {Status}")]
    private static partial void LogFailure(ILogger logger, string method, int status);

    [LoggerMessage(LogLevel.Error, "FHIR server unreachable on {Method} ({ExceptionType})")]
    private static partial void LogUnreachable(ILogger logger, string method, string exceptionType);

    [LoggerMessage(LogLevel.Error, "FHIR server refused a request with HTTP {Status}: {Outcome}")]
    private static partial void LogRefused(ILogger logger, int status, string outcome);
}
