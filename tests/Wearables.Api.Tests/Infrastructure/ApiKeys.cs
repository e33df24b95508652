using System.Net;
using System.Text.Json;

namespace Wearables.Api.Tests.Infrastructure;

/// <summary>Creates and revokes keys the way an operator does: through <c>/v1/api-keys</c> as an admin.</summary>
public static class ApiKeys
{
    public static async Task<IssuedKey> CreateAsync(HttpClient admin, string role, string? patientId = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(admin);
        var response = await admin.PostAsync("/v1/api-keys", Http.Json(new { name = name ?? $"{role} key", role, patientId }));
        var body = await response.ExpectJsonAsync(HttpStatusCode.Created);
        return new IssuedKey(body.GetProperty("id").GetString()!, body.GetProperty("key").GetString()!, string.Empty);
    }

    public static async Task RevokeAsync(HttpClient admin, string keyId)
    {
        ArgumentNullException.ThrowIfNull(admin);
        var response = await admin.DeleteAsync($"/v1/api-keys/{keyId}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), await response.Content.ReadAsStringAsync());
    }

    public static async Task<JsonElement[]> ListAsync(HttpClient admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        var body = await (await admin.GetAsync("/v1/api-keys")).ExpectJsonAsync(HttpStatusCode.OK);
        Assert.That(body.ValueKind, Is.EqualTo(JsonValueKind.Array));
        return body.EnumerateArray().ToArray();
    }
}
