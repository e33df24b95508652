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
    bool AcceptAnyCode = false)
{
    public const string Usage =
        "usage: Wearables.Fakes [--strava-port N] [--polar-port N] [--junction-port N] " +
        "[--client-id ID] [--client-secret SECRET] [--junction-api-key KEY] [--instant] [--accept-any-code]";

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

    private static bool TryPort(string value, out int port)
        => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= 65535;
}
