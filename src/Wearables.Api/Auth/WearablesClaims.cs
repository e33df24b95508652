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

        var project = principal.FindFirst(Project)?.Value;
        var patient = principal.FindFirst(Patient)?.Value;
        if (!Identifiers.IsProjectId(project) || !Roles.TryParse(principal.FindFirst(Role)?.Value, out var role))
        {
            return null;
        }

        if (role == Domain.Security.Role.Patient ? !Identifiers.IsFhirId(patient) : patient is not null)
        {
            return null;
        }

        var credential = principal.FindFirst(Credential)?.Value ?? principal.FindFirst("sub")?.Value ?? principal.FindFirst("jti")?.Value ?? "jwt";
        return new CallerIdentity(project!, role, patient, credential);
    }
}
