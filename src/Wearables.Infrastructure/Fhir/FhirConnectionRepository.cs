using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Common.Interfaces;
using Wearables.Domain.Connections;
using Wearables.Infrastructure.Fhir.Model;

namespace Wearables.Infrastructure.Fhir;

/// <summary>
/// Connections on a FHIR R4 server over REST: read by id (the id is derived from project + patient
/// + provider), update with <c>If-Match</c>, search by patient identifier and project <c>_tag</c>.
/// Server down, slow or failing → 503 (<see cref="DependencyUnavailableException"/>).
/// </summary>
public sealed partial class FhirConnectionRepository(HttpClient http, ILogger<FhirConnectionRepository> logger) : IConnectionRepository, IStoreHealth
{
    public const string HttpClientName = "fhir";
    private const string FhirJsonType = "application/fhir+json";

    public string Name => "fhir";

    public async Task<Connection?> FindAsync(string projectId, string patientId, string provider, CancellationToken cancellationToken)
    {
        var id = Connection.IdFor(projectId, patientId, provider);
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, $"Endpoint/{id:D}"), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            return null;
        }

        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        var endpoint = await ReadAsync<Endpoint>(response, cancellationToken).ConfigureAwait(false);
        var connection = EndpointMapper.ToConnection(endpoint, endpoint.Meta?.VersionId);

        // Defense in depth: the id already encodes the project, but the tag must agree.
        return connection.ProjectId == projectId ? connection : null;
    }

    public async Task<IReadOnlyList<Connection>> ListByPatientAsync(string projectId, string patientId, CancellationToken cancellationToken)
    {
        var query = $"Endpoint?identifier={Uri.EscapeDataString(EndpointMapper.PatientIdentifierSystem + "|" + patientId)}"
            + $"&_tag={Uri.EscapeDataString(EndpointMapper.ProjectTagSystem + "|" + projectId)}&_count=100";
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, query), cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        var bundle = await ReadAsync<Bundle>(response, cancellationToken).ConfigureAwait(false);
        return (bundle.Entry ?? [])
            .Select(e => e.Resource)
            .OfType<Endpoint>()
            .Select(e => EndpointMapper.ToConnection(e, e.Meta?.VersionId))
            .Where(c => c.ProjectId == projectId && c.PatientId == patientId)
            .OrderBy(c => c.Provider, StringComparer.Ordinal)
            .ToList();
    }

    public async Task SaveAsync(Connection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var json = JsonSerializer.Serialize(EndpointMapper.ToEndpoint(connection), FhirJson.Options);
        using var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, $"Endpoint/{connection.Id:D}")
            {
                Content = new StringContent(json, Encoding.UTF8, FhirJsonType),
            };
            if (connection.Version is not null)
            {
                request.Headers.TryAddWithoutValidation("If-Match", $"W/\"{connection.Version}\"");
            }

            return request;
        }, cancellationToken).ConfigureAwait(false);

        if (response.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict)
        {
            throw new ConflictException("connection_conflict", "The connection was changed concurrently; retry.");
        }

        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        var saved = await ReadAsync<Endpoint>(response, cancellationToken).ConfigureAwait(false);
        connection.SetVersion(saved.Meta?.VersionId);
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

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, CancellationToken cancellationToken)
    {
        using var request = create();
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(FhirJsonType));
        try
        {
            var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if ((int)response.StatusCode >= 500)
            {
                LogFailure(logger, request.Method.Method, (int)response.StatusCode);
                response.Dispose();
                throw new DependencyUnavailableException("connection_store_unavailable", "The FHIR server is not available.");
            }

            return response;
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
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
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return await JsonSerializer.DeserializeAsync<T>(stream, FhirJson.Options, cancellationToken).ConfigureAwait(false)
                ?? throw new DependencyUnavailableException("connection_store_unavailable", "The FHIR server answered an empty body.");
        }
        catch (JsonException ex)
        {
            throw new DependencyUnavailableException("connection_store_unavailable", "The FHIR server answered something that is not FHIR JSON.", ex);
        }
    }

    [LoggerMessage(LogLevel.Error, "FHIR server answered {Method} with HTTP {Status}")]
    private static partial void LogFailure(ILogger logger, string method, int status);

    [LoggerMessage(LogLevel.Error, "FHIR server unreachable on {Method} ({ExceptionType})")]
    private static partial void LogUnreachable(ILogger logger, string method, string exceptionType);

    [LoggerMessage(LogLevel.Error, "FHIR server refused a request with HTTP {Status}: {Outcome}")]
    private static partial void LogRefused(ILogger logger, int status, string outcome);
}
