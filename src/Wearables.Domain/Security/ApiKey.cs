using Wearables.Domain.Common;

namespace Wearables.Domain.Security;

/// <summary>
/// A stored API key. Only the SHA-256 hash of the key is kept; <see cref="Prefix"/> is the public
/// part shown in listings so an operator can tell keys apart.
/// </summary>
public sealed class ApiKey
{
    public ApiKey(string id, string projectId, Role role, string? patientId, string name, string hash, DateTimeOffset createdAt, DateTimeOffset? revokedAt = null)
    {
        if (!Identifiers.IsProjectId(projectId))
        {
            throw new DomainRuleException("project_id_invalid", "The project id must match [A-Za-z0-9-.]{1,64}.");
        }

        if (role == Role.Patient && !Identifiers.IsFhirId(patientId))
        {
            throw new DomainRuleException("patient_id_invalid", "A patient key must be bound to a valid patient id.");
        }

        if (role != Role.Patient && patientId is not null)
        {
            throw new DomainRuleException("patient_id_not_allowed", "Only patient keys are bound to a patient id.");
        }

        Id = id;
        ProjectId = projectId;
        Role = role;
        PatientId = patientId;
        Name = name;
        Hash = hash;
        CreatedAt = createdAt;
        RevokedAt = revokedAt;
    }

    /// <summary>The public key id, also the key's visible prefix (<c>wk_xxxxxxxx</c>).</summary>
    public string Id { get; }

    public string ProjectId { get; }

    public Role Role { get; }

    public string? PatientId { get; }

    public string Name { get; }

    /// <summary>Lower-case hex SHA-256 of the whole key.</summary>
    public string Hash { get; }

    public DateTimeOffset CreatedAt { get; }

    public DateTimeOffset? RevokedAt { get; private set; }

    public bool IsActive => RevokedAt is null;

    public void Revoke(DateTimeOffset at) => RevokedAt ??= at;

    /// <summary>The same key under another public id (the hash, and so authentication, is unchanged).</summary>
    public ApiKey WithId(string id) => new(id, ProjectId, Role, PatientId, Name, Hash, CreatedAt, RevokedAt);

    public override string ToString() => $"ApiKey {Id} ({ProjectId}, {Role.ToName()})";
}
