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
    /// The four claims' values, each when it occurs at most once (null when absent); false when one occurs more
    /// than once or is not a string (a JWT number, boolean, object, nested array or null arrives as text too:
    /// <c>"project": 12345</c> must not read as project "12345"). Claims are found as
    /// <see cref="ClaimsPrincipal.FindAll(string)"/> finds them, identity by identity, each identity by its own
    /// <see cref="ClaimsIdentity.FindAll(string)"/>: a plain identity compares types ignoring case and is read
    /// in one pass; any other kind asks the identity itself (a JWT's <c>CaseSensitiveClaimsIdentity</c> compares
    /// them ordinally, so its <c>ROLE</c> is not its <c>role</c>).
    /// </summary>
    private static bool TryReadSingles(ClaimsPrincipal principal, out string? project, out string? role, out string? patient, out string? credential)
    {
        var values = new string?[Names.Length];
        var ok = true;
        foreach (var identity in principal.Identities)
        {
            if (identity is null)
            {
                continue;
            }

            if (identity.GetType() == typeof(ClaimsIdentity))
            {
                foreach (var claim in identity.Claims)
                {
                    var index = claim is null ? -1 : IndexOf(claim.Type);
                    ok &= index < 0 || TryAdd(values, index, claim!);
                }
            }
            else
            {
                for (var index = 0; index < Names.Length; index++)
                {
                    foreach (var claim in identity.FindAll(Names[index]))
                    {
                        ok &= TryAdd(values, index, claim);
                    }
                }
            }
        }

        if (!ok)
        {
            Array.Clear(values);
        }

        (project, role, patient, credential) = (values[0], values[1], values[2], values[3]);
        return ok;
    }

    /// <summary>The four claims <see cref="TryReadSingles"/> reads, in its order.</summary>
    private static readonly string[] Names = [Project, Role, Patient, Credential];

    private static int IndexOf(string type)
    {
        for (var index = 0; index < Names.Length; index++)
        {
            if (string.Equals(type, Names[index], StringComparison.OrdinalIgnoreCase))
            {
                return index;
            }
        }

        return -1;
    }

    /// <summary>False when the claim is a second one of its kind, or not a string.</summary>
    private static bool TryAdd(string?[] values, int index, Claim claim)
    {
        if (values[index] is not null || claim.ValueType != ClaimValueTypes.String)
        {
            return false;
        }

        values[index] = claim.Value;
        return true;
    }
}
