namespace Wearables.Domain.Security;

/// <summary>What a caller may do inside its project.</summary>
public enum Role
{
    /// <summary>Everything in its project, including credentials, settings and API keys.</summary>
    Admin,

    /// <summary>A backend of the project: connect, list, exchange, read status; never credentials or settings.</summary>
    Service,

    /// <summary>May act only on its own patient id.</summary>
    Patient,
}

public static class Roles
{
    public const string Admin = "admin";
    public const string Service = "service";
    public const string Patient = "patient";

    public static string ToName(this Role role) => role switch
    {
        Role.Admin => Admin,
        Role.Service => Service,
        Role.Patient => Patient,
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public static Role Parse(string name) =>
        TryParse(name, out var role) ? role : throw new FormatException($"Unknown role '{name}'.");

    public static bool TryParse(string? name, out Role role)
    {
        switch (name)
        {
            case Admin: role = Role.Admin; return true;
            case Service: role = Role.Service; return true;
            case Patient: role = Role.Patient; return true;
            default: role = default; return false;
        }
    }
}
