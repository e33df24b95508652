using System.Globalization;
using Wearables.Domain.Connections;
using Wearables.Infrastructure.Fhir.Model;

namespace Wearables.Infrastructure.Fhir;

/// <summary>
/// Connection ↔ FHIR R4 Endpoint. status: active | off (revoked) | error (expired); the project is a
/// <c>meta.tag</c>; the patient and the provider user are identifiers; the rest are extensions,
/// tokens only as encrypted envelopes (never in <c>header</c>).
/// </summary>
public static class EndpointMapper
{
    public const string Base = "https://wearables.dev/fhir";
    public const string ProjectTagSystem = Base + "/project";
    public const string PatientIdentifierSystem = Base + "/sid/patient";
    public const string ConnectionKeySystem = Base + "/sid/connection-key";
    public const string ProviderCodeSystem = Base + "/CodeSystem/provider";
    public const string PayloadTypeSystem = "http://terminology.hl7.org/CodeSystem/endpoint-payload-type";
    private const string Ext = Base + "/StructureDefinition/";
    public const string PatientExtension = Ext + "patient";
    public const string ProviderExtension = Ext + "provider";
    public const string SourceExtension = Ext + "source";
    public const string LinkStatusExtension = Ext + "link-status";
    public const string UsernameExtension = Ext + "provider-username";
    public const string ScopeExtension = Ext + "scope";
    public const string TokenExpiresExtension = Ext + "token-expires-at";
    public const string LastSyncExtension = Ext + "last-synced-at";
    public const string CreatedExtension = Ext + "created-at";
    public const string UpdatedExtension = Ext + "updated-at";
    public const string AccessTokenExtension = Ext + "access-token";
    public const string RefreshTokenExtension = Ext + "refresh-token";

    public static string ProviderUserSystem(string provider) => $"{Base}/sid/provider-user/{provider}";

    /// <summary>One identifier value per project + patient + provider, to find "the" connection by search.</summary>
    public static string ConnectionKey(string projectId, string patientId, string provider) => $"{projectId}/{patientId}/{provider}";

    public static Endpoint ToEndpoint(Connection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var extensions = new List<Extension>
        {
            new() { Url = PatientExtension, ValueReference = new Reference { ReferenceValue = $"Patient/{connection.PatientId}" } },
            new() { Url = ProviderExtension, ValueCode = connection.Provider },
            new() { Url = SourceExtension, ValueCode = connection.Source == ConnectionSource.Junction ? "junction" : "oauth" },
            new() { Url = CreatedExtension, ValueInstant = Instant(connection.CreatedAt) },
            new() { Url = UpdatedExtension, ValueInstant = Instant(connection.UpdatedAt) },
        };
        AddIf(extensions, LinkStatusExtension, connection.LinkStatus?.ToString().ToLowerInvariant(), code: true);
        AddIf(extensions, UsernameExtension, connection.ProviderUsername);
        AddIf(extensions, ScopeExtension, connection.Scope);
        AddInstant(extensions, TokenExpiresExtension, connection.TokenExpiresAt);
        AddInstant(extensions, LastSyncExtension, connection.LastSyncedAt);
        AddIf(extensions, AccessTokenExtension, connection.AccessTokenEnvelope);
        AddIf(extensions, RefreshTokenExtension, connection.RefreshTokenEnvelope);

        var identifiers = new List<Identifier>
        {
            new() { System = PatientIdentifierSystem, Value = connection.PatientId },
            new() { System = ConnectionKeySystem, Value = ConnectionKey(connection.ProjectId, connection.PatientId, connection.Provider) },
        };
        if (!string.IsNullOrEmpty(connection.ProviderUserId))
        {
            identifiers.Insert(0, new Identifier { System = ProviderUserSystem(connection.Provider), Value = connection.ProviderUserId });
        }

        return new Endpoint
        {
            Id = connection.Id.ToString("D"),
            Meta = new Meta { Tag = [new Coding { System = ProjectTagSystem, Code = connection.ProjectId }] },
            Extension = extensions,
            Identifier = identifiers,
            Status = connection.Status switch
            {
                ConnectionStatus.Revoked => "off",
                ConnectionStatus.Expired => "error",
                _ => "active",
            },
            ConnectionType = new Coding { System = ProviderCodeSystem, Code = connection.Provider, Display = DisplayName(connection.Provider) },
            Name = $"{DisplayName(connection.Provider)} connection of Patient/{connection.PatientId}",
            PayloadType = [new CodeableConcept { Coding = [new Coding { System = PayloadTypeSystem, Code = "any", Display = "Any" }] }],
            Address = string.IsNullOrEmpty(connection.Address) ? "urn:wearables:provider:" + connection.Provider : connection.Address,
            Period = new Period { Start = Instant(connection.ConnectedAt) },
        };
    }

    public static Connection ToConnection(Endpoint endpoint, string? version)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        string? Ext(string url) => endpoint.Extension?.FirstOrDefault(e => e.Url == url) is { } e ? e.ValueString ?? e.ValueCode ?? e.ValueInstant ?? e.ValueReference?.ReferenceValue : null;
        string? Id(string system) => endpoint.Identifier?.FirstOrDefault(i => i.System == system)?.Value;

        var project = endpoint.Meta?.Tag?.FirstOrDefault(t => t.System == ProjectTagSystem)?.Code
            ?? throw new InvalidDataException("Endpoint without project tag.");
        var provider = Ext(ProviderExtension) ?? endpoint.ConnectionType?.Code ?? throw new InvalidDataException("Endpoint without provider.");
        var patient = Id(PatientIdentifierSystem) ?? throw new InvalidDataException("Endpoint without patient identifier.");
        var address = endpoint.Address.StartsWith("urn:wearables:provider:", StringComparison.Ordinal) ? string.Empty : endpoint.Address;
        var linkStatus = Ext(LinkStatusExtension) is { } ls && Enum.TryParse<LinkStatus>(ls, ignoreCase: true, out var parsed) ? parsed : (LinkStatus?)null;
        var connectedAt = ParseInstant(endpoint.Period?.Start) ?? DateTimeOffset.UnixEpoch;

        // The connection id is derived from project + patient + provider, whatever id the store gave the resource.
        return Connection.Restore(new ConnectionSnapshot(
            Connection.IdFor(project, patient, provider),
            project,
            patient,
            provider,
            Ext(SourceExtension) == "junction" ? ConnectionSource.Junction : ConnectionSource.OAuth,
            endpoint.Status switch
            {
                "off" => ConnectionStatus.Revoked,
                "error" => ConnectionStatus.Expired,
                _ => ConnectionStatus.Active,
            },
            linkStatus,
            Id(ProviderUserSystem(provider)),
            Ext(UsernameExtension),
            Ext(ScopeExtension),
            address,
            Ext(AccessTokenExtension),
            Ext(RefreshTokenExtension),
            ParseInstant(Ext(TokenExpiresExtension)),
            ParseInstant(Ext(LastSyncExtension)),
            connectedAt,
            ParseInstant(Ext(CreatedExtension)) ?? connectedAt,
            ParseInstant(Ext(UpdatedExtension)) ?? connectedAt,
            version));
    }

    public static string DisplayName(string provider) => provider switch
    {
        "strava" => "Strava",
        "polar" => "Polar",
        _ => CultureInfo.InvariantCulture.TextInfo.ToTitleCase(provider.Replace('_', ' ')),
    };

    /// <summary>FHIR instant: UTC with seconds precision or finer and a zone.</summary>
    public static string Instant(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset? ParseInstant(string? value) =>
        value is not null && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : null;

    private static void AddIf(List<Extension> extensions, string url, string? value, bool code = false)
    {
        if (!string.IsNullOrEmpty(value))
        {
            extensions.Add(code ? new Extension { Url = url, ValueCode = value } : new Extension { Url = url, ValueString = value });
        }
    }

    private static void AddInstant(List<Extension> extensions, string url, DateTimeOffset? value)
    {
        if (value is { } v)
        {
            extensions.Add(new Extension { Url = url, ValueInstant = Instant(v) });
        }
    }
}
