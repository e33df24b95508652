using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Specification.Source;
using Hl7.Fhir.Specification.Terminology;

namespace Wearables.TestSupport;

/// <summary>
/// Firely's R4 validator, offline: the specification comes from <c>Hl7.Fhir.Specification.Data.R4</c>,
/// which a test project must reference itself (its <c>specification.zip</c> is content, and content
/// does not flow through this project). A second judge beside the Medplum engine of <see cref="FhirServer"/>.
/// One validator serves the whole run behind a lock: it is not thread-safe, and the first
/// validation (which compiles the profiles) takes seconds.
/// </summary>
public static class FirelyValidator
{
    private static readonly Lock Gate = new();

    /// <summary>
    /// Reads whatever the JSON holds, broken or not (nothing is refused while parsing), so that
    /// refusing is left to the validator.
    /// </summary>
    private static readonly BaseFhirJsonDeserializer Lenient = new(
        ModelInfo.ModelInspector, new DeserializerSettings().UsingMode(DeserializationMode.Ostrich));

    private static Validator? validator;

    /// <summary>The errors the validator finds in a resource's JSON, one line each; empty when it is valid R4.</summary>
    public static IReadOnlyList<string> Errors(string json)
    {
        var resource = Lenient.DeserializeResource(json);
        OperationOutcome outcome;
        lock (Gate)
        {
            validator ??= Create();
            outcome = validator.Validate(resource);
        }

        return outcome.Issue
            .Where(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal)
            .Select(i => $"{i.Details?.Text ?? i.Diagnostics} at {string.Join(", ", i.Expression)}")
            .ToList();
    }

    private static Validator Create()
    {
        var resolver = new CachedResolver(ZipSource.CreateValidationSource());
        return new Validator(resolver, new LocalTerminologyService(resolver));
    }
}
