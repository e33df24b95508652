using System.Net;
using System.Text.Json;
using Wearables.TestSupport;

namespace Wearables.EndToEnd.Tests.Infrastructure;

/// <summary>Reads the FHIR server directly (not through the service), to see the Endpoint resources as stored.</summary>
public static class FhirDirect
{
    public const string Sid = "https://wearables.dev/fhir/sid/";
    public const string ProjectTagSystem = "https://wearables.dev/fhir/project";

    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>
    /// The resource id of the one Endpoint of a project + patient + provider, found by its
    /// connection-key identifier (the FHIR server picks resource ids); fails unless exactly one matches.
    /// </summary>
    public static async Task<string> FindEndpointIdAsync(FhirServer fhir, string projectId, string patientId, string provider)
    {
        ArgumentNullException.ThrowIfNull(fhir);
        var url = $"{fhir.BaseUrl.ToString().TrimEnd('/')}/Endpoint?identifier={Uri.EscapeDataString(Sid + "connection-key|" + projectId + "/" + patientId + "/" + provider)}"
            + $"&_tag={Uri.EscapeDataString(ProjectTagSystem + "|" + projectId)}";
        var bundle = JsonDocument.Parse(await Client.GetStringAsync(url)).RootElement;
        Assert.That(EntryCount(bundle), Is.EqualTo(1), $"one Endpoint for {projectId}/{patientId}/{provider}");
        return bundle.GetProperty("entry")[0].GetProperty("resource").GetProperty("id").GetString()!;
    }

    /// <summary>Finds the Endpoint of a project + patient + provider, then reads it by id (GET Endpoint/{id}).</summary>
    public static async Task<(string Raw, JsonElement Resource)> ReadEndpointAsync(FhirServer fhir, string projectId, string patientId, string provider) =>
        await ReadEndpointAsync(fhir, await FindEndpointIdAsync(fhir, projectId, patientId, provider));

    public static async Task<(string Raw, JsonElement Resource)> ReadEndpointAsync(FhirServer fhir, string resourceId)
    {
        ArgumentNullException.ThrowIfNull(fhir);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{fhir.BaseUrl.ToString().TrimEnd('/')}/Endpoint/{Uri.EscapeDataString(resourceId)}");
        request.Headers.Accept.ParseAdd("application/fhir+json");
        using var response = await Client.SendAsync(request);
        var raw = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), raw);
        return (raw, JsonDocument.Parse(raw).RootElement.Clone());
    }

    /// <summary>The search the service relies on: patient identifier + project tag. Answers the Bundle.</summary>
    public static async Task<JsonElement> SearchByPatientAsync(FhirServer fhir, string projectId, string patientId)
    {
        ArgumentNullException.ThrowIfNull(fhir);
        var url = $"{fhir.BaseUrl.ToString().TrimEnd('/')}/Endpoint?identifier={Uri.EscapeDataString(Sid + "patient|" + patientId)}"
            + $"&_tag={Uri.EscapeDataString(ProjectTagSystem + "|" + projectId)}";
        var raw = await Client.GetStringAsync(url);
        return JsonDocument.Parse(raw).RootElement.Clone();
    }

    public static int EntryCount(JsonElement bundle) =>
        bundle.TryGetProperty("entry", out var entries) ? entries.GetArrayLength() : 0;
}
