using Wearables.Domain.Security;

namespace Wearables.Application.Common.Security;

/// <summary>Who is calling: always bound to exactly one project.</summary>
public sealed record CallerIdentity(string ProjectId, Role Role, string? PatientId, string CredentialId)
{
    public bool MayActFor(string patientId) =>
        Role != Role.Patient || string.Equals(PatientId, patientId, StringComparison.Ordinal);
}
