using System.Globalization;
using Hl7.Fhir.Model;
using Wearables.Application.Providers;
using Wearables.Domain.Connections;

namespace Wearables.Infrastructure.Connections;

/// <summary>
/// A connection as a FHIR R4 Endpoint (JSON), and back: what the FHIR server receives and what the
/// embedded store keeps in its <c>resource</c> column. Each repository encodes when it saves and
/// decodes when it reads, never both for one save. status: active | off (revoked) | error
/// (expired); the project is a <c>meta.tag</c>; the patient and the provider user are identifiers;
/// the rest are extensions, tokens only as encrypted envelopes (never in <c>header</c>).
/// Instants keep the connection's full precision, so a decoded connection equals the saved one.
/// </summary>
public sealed class EndpointCodec(IProviderCatalog catalog)
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
    public const string LastEventExtension = Ext + "last-event-at";
    public const string CreatedExtension = Ext + "created-at";
    public const string UpdatedExtension = Ext + "updated-at";
    public const string AccessTokenExtension = Ext + "access-token";
    public const string RefreshTokenExtension = Ext + "refresh-token";

    /// <summary>The address of a connection that has none (FHIR requires one).</summary>
    private const string NoAddressPrefix = "urn:wearables:provider:";

    public static string ProviderUserSystem(string provider) => $"{Base}/sid/provider-user/{provider}";

    /// <summary>One identifier value per project + patient + provider, to find "the" connection by search.</summary>
    public static string ConnectionKey(string projectId, string patientId, string provider) => $"{projectId}/{patientId}/{provider}";

    /// <summary>
    /// The Endpoint JSON of <paramref name="connection"/>. <paramref name="resourceId"/> is the
    /// store's name for it (null when a FHIR server is to pick one); <paramref name="versionId"/>
    /// and <paramref name="lastUpdated"/> are set by a store that keeps its own versions.
    /// </summary>
    public string Encode(Connection connection, string? resourceId, string? versionId = null, DateTimeOffset? lastUpdated = null)
    {
        var endpoint = ToEndpoint(connection);
        endpoint.Id = resourceId;
        endpoint.Meta!.VersionId = versionId;
        endpoint.Meta.LastUpdated = lastUpdated;
        return FhirJson.Serialize(endpoint);
    }

    /// <summary>The connection that <see cref="Encode"/> (or an earlier build's mapper) wrote as <paramref name="json"/>.</summary>
    public static Connection Decode(string json, string? version) => Decode(FhirJson.Parse<Endpoint>(json), version);

    /// <summary>
    /// The connection an Endpoint stands for (its id is derived from project + patient + provider,
    /// whatever the store named the resource); <see cref="InvalidDataException"/> when it holds none.
    /// </summary>
    public static Connection Decode(Endpoint endpoint, string? version)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        try
        {
            return DecodeChecked(endpoint, version);
        }
        catch (Hl7.Fhir.Utility.CodedException ex)
        {
            // The parser keeps what it does not judge; a value that is not R4 throws when read.
            throw new InvalidDataException("Endpoint with a value that is not R4.", ex);
        }
    }

    private static Connection DecodeChecked(Endpoint endpoint, string? version)
    {
        // Any primitive of the extension is read, as the hand-written model of earlier builds did.
        string? Text(string url) => endpoint.GetExtension(url)?.Value switch
        {
            FhirString text => text.Value,
            Code code => code.Value,
            ResourceReference reference => reference.Reference,
            _ => null,
        };
        DateTimeOffset? Moment(string url) => endpoint.GetExtension(url)?.Value switch
        {
            Instant instant => instant.Value,
            FhirDateTime dateTime => ParseInstant(dateTime.Value),
            FhirString text => ParseInstant(text.Value),
            _ => null,
        };
        string? Id(string system) => endpoint.Identifier.FirstOrDefault(i => i.System == system)?.Value;

        var project = endpoint.Meta?.Tag.FirstOrDefault(t => t.System == ProjectTagSystem)?.Code
            ?? throw new InvalidDataException("Endpoint without project tag.");
        var provider = Text(ProviderExtension) ?? endpoint.ConnectionType?.Code ?? throw new InvalidDataException("Endpoint without provider.");
        var patient = Id(PatientIdentifierSystem) ?? throw new InvalidDataException("Endpoint without patient identifier.");
        var address = endpoint.Address is { } a && !a.StartsWith(NoAddressPrefix, StringComparison.Ordinal) ? a : string.Empty;
        var linkStatus = Text(LinkStatusExtension) is { } ls && Enum.TryParse<LinkStatus>(ls, ignoreCase: true, out var parsed) ? parsed : (LinkStatus?)null;
        var connectedAt = ParseInstant(endpoint.Period?.Start) ?? DateTimeOffset.UnixEpoch;

        return Connection.Restore(new ConnectionSnapshot(
            Connection.IdFor(project, patient, provider),
            project,
            patient,
            provider,
            Text(SourceExtension) == "junction" ? ConnectionSource.Junction : ConnectionSource.OAuth,
            endpoint.Status switch
            {
                Endpoint.EndpointStatus.Off => ConnectionStatus.Revoked,
                Endpoint.EndpointStatus.Error => ConnectionStatus.Expired,
                _ => ConnectionStatus.Active,
            },
            linkStatus,
            Id(ProviderUserSystem(provider)),
            Text(UsernameExtension),
            Text(ScopeExtension),
            address,
            Text(AccessTokenExtension),
            Text(RefreshTokenExtension),
            Moment(TokenExpiresExtension),
            Moment(LastSyncExtension),
            connectedAt,
            Moment(CreatedExtension) ?? connectedAt,
            Moment(UpdatedExtension) ?? connectedAt,
            version,
            Moment(LastEventExtension)));
    }

    /// <summary>The Endpoint of <paramref name="connection"/>, named by the connection id.</summary>
    public Endpoint ToEndpoint(Connection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var endpoint = new Endpoint
        {
            Id = connection.Id.ToString("D"),
            Meta = new Meta { Tag = [new Coding(ProjectTagSystem, connection.ProjectId)] },
            Status = connection.Status switch
            {
                ConnectionStatus.Revoked => Endpoint.EndpointStatus.Off,
                ConnectionStatus.Expired => Endpoint.EndpointStatus.Error,
                _ => Endpoint.EndpointStatus.Active,
            },
            ConnectionType = new Coding(ProviderCodeSystem, connection.Provider, catalog.DisplayNameOf(connection.Provider)),
            Name = $"{catalog.DisplayNameOf(connection.Provider)} connection of Patient/{connection.PatientId}",
            PayloadType = [new CodeableConcept { Coding = [new Coding(PayloadTypeSystem, "any", "Any")] }],
            Address = string.IsNullOrEmpty(connection.Address) ? NoAddressPrefix + connection.Provider : connection.Address,
            Period = new Period { StartElement = new FhirDateTime(connection.ConnectedAt.ToUniversalTime()) },
        };

        var extensions = endpoint.Extension;
        extensions.Add(new Extension(PatientExtension, new ResourceReference($"Patient/{connection.PatientId}")));
        extensions.Add(new Extension(ProviderExtension, new Code(connection.Provider)));
        extensions.Add(new Extension(SourceExtension, new Code(connection.Source == ConnectionSource.Junction ? "junction" : "oauth")));
        extensions.Add(new Extension(CreatedExtension, InstantOf(connection.CreatedAt)));
        extensions.Add(new Extension(UpdatedExtension, InstantOf(connection.UpdatedAt)));
        if (connection.LinkStatus is { } linkStatus)
        {
            extensions.Add(new Extension(LinkStatusExtension, new Code(linkStatus.ToString().ToLowerInvariant())));
        }

        // FHIR forbids empty strings: an empty value is written as no value.
        AddText(extensions, UsernameExtension, connection.ProviderUsername);
        AddText(extensions, ScopeExtension, connection.Scope);
        AddInstant(extensions, TokenExpiresExtension, connection.TokenExpiresAt);
        AddInstant(extensions, LastSyncExtension, connection.LastSyncedAt);
        AddInstant(extensions, LastEventExtension, connection.LastEventAt);
        AddText(extensions, AccessTokenExtension, connection.AccessTokenEnvelope);
        AddText(extensions, RefreshTokenExtension, connection.RefreshTokenEnvelope);

        if (!string.IsNullOrEmpty(connection.ProviderUserId))
        {
            endpoint.Identifier.Add(new Identifier(ProviderUserSystem(connection.Provider), connection.ProviderUserId));
        }

        endpoint.Identifier.Add(new Identifier(PatientIdentifierSystem, connection.PatientId));
        endpoint.Identifier.Add(new Identifier(ConnectionKeySystem, ConnectionKey(connection.ProjectId, connection.PatientId, connection.Provider)));
        return endpoint;
    }

    private static Instant InstantOf(DateTimeOffset value) => new(value.ToUniversalTime());

    private static DateTimeOffset? ParseInstant(string? value) =>
        value is not null && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : null;

    private static void AddText(List<Extension> extensions, string url, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            extensions.Add(new Extension(url, new FhirString(value)));
        }
    }

    private static void AddInstant(List<Extension> extensions, string url, DateTimeOffset? value)
    {
        if (value is { } v)
        {
            extensions.Add(new Extension(url, InstantOf(v)));
        }
    }
}
