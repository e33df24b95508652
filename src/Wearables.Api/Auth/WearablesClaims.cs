using System.Security.Claims;
using Wearables.Application.Common.Security;
using Wearables.Domain.Common;
using Wearables.Domain.Security;

namespace Wearables.Api.Auth;

/// <summary>Claim names shared by API keys and JWTs (JWTs carry them as issued by the configured issuer).</summary>
public static class WearablesClaims
{
    public const string Project = "project";
    public const string Role = "role";
    public const string Patient = "patient";
    public const string Credential = "credential";

    public static ClaimsPrincipal ToPrincipal(CallerIdentity caller, string scheme)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var claims = new List<Claim>
        {
            new(Project, caller.ProjectId),
            new(Role, caller.Role.ToName()),
            new(Credential, caller.CredentialId),
        };
        if (caller.PatientId is not null)
        {
            claims.Add(new Claim(Patient, caller.PatientId));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, Credential, Role));
    }

    /// <summary>The caller a principal stands for, or null when its claims are incomplete or invalid (fail closed).</summary>
    public static CallerIdentity? ToCaller(ClaimsPrincipal? principal)
    {
        if (principal?.Identity?.IsAuthenticated != true)
        {
            return null;
        }

        // A claim given several times (a JWT array, even of one value twice) names no single caller:
        // reading "the first" here while something else reads "any" is how roles get escalated.
        if (!TryReadSingles(principal, out var project, out var roleName, out var patient, out var credentialClaim))
        {
            return null;
        }

        if (!Identifiers.IsProjectId(project) || !Roles.TryParse(roleName, out var role))
        {
            return null;
        }

        if (role == Domain.Security.Role.Patient ? !Identifiers.IsFhirId(patient) : patient is not null)
        {
            return null;
        }

        var credential = credentialClaim ?? principal.FindFirst("sub")?.Value ?? principal.FindFirst("jti")?.Value ?? "jwt";
        return new CallerIdentity(project!, role, patient, credential);
    }

    /// <summary>
    /// The four claims' values, each when it occurs at most once (null when absent), in one pass over the
    /// claims; false when one occurs more than once or is not a string (a JWT number, boolean, object,
    /// nested array or null arrives as text too: <c>"project": 12345</c> must not read as project "12345").
    /// Types compare as <see cref="ClaimsPrincipal.FindAll(string)"/> compares them (ordinal, ignoring case).
    /// </summary>
    private static bool TryReadSingles(ClaimsPrincipal principal, out string? project, out string? role, out string? patient, out string? credential)
    {
        project = role = patient = credential = null;
        foreach (var claim in principal.Claims)
        {
            var type = claim.Type;
            ref var slot = ref project;
            if (string.Equals(type, Project, StringComparison.OrdinalIgnoreCase))
            {
                slot = ref project;
            }
            else if (string.Equals(type, Role, StringComparison.OrdinalIgnoreCase))
            {
                slot = ref role;
            }
            else if (string.Equals(type, Patient, StringComparison.OrdinalIgnoreCase))
            {
                slot = ref patient;
            }
            else if (string.Equals(type, Credential, StringComparison.OrdinalIgnoreCase))
            {
                slot = ref credential;
            }
            else
            {
                continue;
            }

            if (slot is not null || claim.ValueType != ClaimValueTypes.String)
            {
                project = role = patient = credential = null;
                return false;
            }

            slot = claim.Value;
        }

        return true;
    }
}
