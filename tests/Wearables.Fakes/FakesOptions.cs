using System.Globalization;

namespace Wearables.Fakes;

/// <summary>Command line of the stand-alone fakes process.</summary>
internal sealed record FakesOptions(
    int StravaPort,
    int PolarPort,
    int JunctionPort,
    string ClientId,
    string ClientSecret,
    string JunctionApiKey,
    bool AcceptAnyCode = false,
    TimeSpan? AccessTokenLifetime = null,
    TimeSpan? InitialAccessTokenLifetime = null,
    RefreshRotation? RefreshRotation = null,
    bool RequirePkce = false)
{
    public const string Usage =
        "usage: Wearables.Fakes [--strava-port N] [--polar-port N] [--junction-port N] " +
        "[--client-id ID] [--client-secret SECRET] [--junction-api-key KEY] [--instant] [--accept-any-code] " +
        "[--access-token-lifetime SECONDS] [--initial-access-token-lifetime SECONDS] " +
        "[--refresh-rotation same|rotate|strict] [--require-pkce]";

    /// <summary>Applies the token-lifecycle settings to an OAuth fake; what was not given keeps the fake's default.</summary>
    public void ApplyTo(OAuthFake fake)
    {
        ArgumentNullException.ThrowIfNull(fake);
        fake.AccessTokenLifetime = AccessTokenLifetime ?? fake.AccessTokenLifetime;
        fake.InitialAccessTokenLifetime = InitialAccessTokenLifetime ?? fake.InitialAccessTokenLifetime;
        fake.RefreshRotation = RefreshRotation ?? fake.RefreshRotation;
        fake.RequirePkce = RequirePkce;
    }

    public static FakesOptions? Parse(string[] args, out string? error)
    {
        var options = new FakesOptions(0, 0, 0, "fake-client-id", "fake-client-secret", "fake-junction-api-key");
        error = null;
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name == "--accept-any-code")
            {
                // Benchmarks: every code is valid once, so callbacks need no browser round trip.
                options = options with { AcceptAnyCode = true };
                continue;
            }

            if (name == "--require-pkce")
            {
                options = options with { RequirePkce = true };
                continue;
            }

            if (name == "--instant")
            {
                // No artificial latency is the only behaviour; the flag exists so scripts can say so explicitly.
                continue;
            }

            if (i + 1 >= args.Length)
            {
                error = $"missing value for {name}";
                return null;
            }

            var value = args[++i];
            FakesOptions? next = name switch
            {
                "--strava-port" when TryPort(value, out var port) => options with { StravaPort = port },
                "--polar-port" when TryPort(value, out var port) => options with { PolarPort = port },
                "--junction-port" when TryPort(value, out var port) => options with { JunctionPort = port },
                "--client-id" => options with { ClientId = value },
                "--client-secret" => options with { ClientSecret = value },
                "--junction-api-key" => options with { JunctionApiKey = value },
                "--access-token-lifetime" when TrySeconds(value, out var lifetime) && lifetime > TimeSpan.Zero => options with { AccessTokenLifetime = lifetime },
                // Zero or negative: every code exchange hands out an expired token, so the first use must refresh.
                "--initial-access-token-lifetime" when TrySeconds(value, out var lifetime) => options with { InitialAccessTokenLifetime = lifetime },
                "--refresh-rotation" when TryRotation(value, out var rotation) => options with { RefreshRotation = rotation },
                _ => null,
            };

            if (next is null)
            {
                error = $"unknown option or bad value: {name} {value}";
                return null;
            }

            options = next;
        }

        return options;
    }

    private static bool TrySeconds(string value, out TimeSpan seconds)
    {
        var parsed = long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var count) && Math.Abs(count) <= 100L * 365 * 86400;
        seconds = parsed ? TimeSpan.FromSeconds(count) : default;
        return parsed;
    }

    private static bool TryRotation(string value, out RefreshRotation rotation)
    {
        rotation = value switch
        {
            "same" => Fakes.RefreshRotation.Same,
            "rotate" => Fakes.RefreshRotation.Rotate,
            "strict" => Fakes.RefreshRotation.RotateStrict,
            _ => (RefreshRotation)(-1),
        };
        return Enum.IsDefined(rotation);
    }

    private static bool TryPort(string value, out int port)
        => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= 65535;
}
