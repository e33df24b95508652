using System.Text.Json.Serialization;

namespace Wearables.Infrastructure.Fhir.Model;

// A small hand-written subset of FHIR R4 (Hl7.Fhir.R4 is not available here). Everything FHIR-shaped
// lives in this folder so it can be swapped for the official model later.

/// <summary>FHIR R4 Endpoint (only the elements this service writes).</summary>
public sealed class Endpoint
{
    public string ResourceType { get; set; } = "Endpoint";

    public string? Id { get; set; }

    public Meta? Meta { get; set; }

    public List<Extension>? Extension { get; set; }

    public List<Identifier>? Identifier { get; set; }

    /// <summary>active | suspended | error | off | entered-in-error | test.</summary>
    public string Status { get; set; } = "active";

    public Coding? ConnectionType { get; set; }

    public string? Name { get; set; }

    public List<CodeableConcept> PayloadType { get; set; } = [];

    public string Address { get; set; } = string.Empty;

    public Period? Period { get; set; }
}

public sealed class Meta
{
    public string? VersionId { get; set; }

    public string? LastUpdated { get; set; }

    public List<Coding>? Tag { get; set; }
}

public sealed class Extension
{
    public string Url { get; set; } = string.Empty;

    public string? ValueString { get; set; }

    public string? ValueCode { get; set; }

    public string? ValueInstant { get; set; }

    public Reference? ValueReference { get; set; }
}

public sealed class Identifier
{
    public string? System { get; set; }

    public string? Value { get; set; }
}

public sealed class Coding
{
    public string? System { get; set; }

    public string? Code { get; set; }

    public string? Display { get; set; }
}

public sealed class CodeableConcept
{
    public List<Coding>? Coding { get; set; }

    public string? Text { get; set; }
}

public sealed class Period
{
    public string? Start { get; set; }

    public string? End { get; set; }
}

public sealed class Reference
{
    [JsonPropertyName("reference")]
    public string? ReferenceValue { get; set; }
}

/// <summary>FHIR Bundle (searchset), read side only.</summary>
public sealed class Bundle
{
    public string ResourceType { get; set; } = "Bundle";

    public List<BundleLink>? Link { get; set; }

    public List<BundleEntry>? Entry { get; set; }
}

public sealed class BundleLink
{
    /// <summary>self | next | previous | first | last.</summary>
    public string? Relation { get; set; }

    public string? Url { get; set; }
}

public sealed class BundleEntry
{
    public Endpoint? Resource { get; set; }
}
