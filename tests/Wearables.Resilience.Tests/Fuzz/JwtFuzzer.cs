using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Wearables.Resilience.Tests.Fuzz;

/// <summary>
/// Correctly signed JWTs (HS256 with the fuzz service's key) whose <c>role</c>, <c>project</c> and
/// <c>patient</c> claims take random shapes: arrays (also empty, nested, with duplicates), numbers,
/// booleans, objects, null, duplicated JSON keys, case variants of names and values, very long values,
/// control characters, other projects; plus bad signatures, expired tokens and wrong audiences. Each
/// request says what the service must do with it: a claim that is not one JSON string (an array, even of
/// one value, a number, null…, or a key given twice), or a token that
/// does not verify, is a 401; an admin route (credentials PUT, api-keys POST, settings PUT) answers 2xx
/// only to a token with exactly one role claim <c>admin</c> and one project claim, and such a token gets
/// an invalid body so that nothing is stored; every other token gets a valid body, so that a bypass
/// would show as a 2xx and as a change in the store.
/// </summary>
public sealed class JwtFuzzer(int seed, FuzzTargets targets, byte[] signingKey)
{
    public const string Issuer = "https://issuer.fuzz.test";
    public const string Audience = "wearables-fuzz";

    private static readonly string[] RoleNames = ["admin", "service", "patient"];
    private static readonly string[] RoleTricks = ["ADMIN", "Admin", "admin ", " admin", "admin\u0000", "ad\nmin", "аdmin", "admin,service", "root", "", "*"];
    private static readonly string[] ClaimNameVariants = ["Role", "ROLE", "roles", "role ", "Project", "PROJECT", "Patient", "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"];
    private static readonly string[] Controls = ["\u0000", "\u0001", "\n", "\r", "\t", "\u001b", "\u007f", "\u2028", "\ufeff"];

    /// <summary>Projects nobody set up: a correctly shaped admin token of one of them is an admin there (the pass snapshots them too).</summary>
    public static readonly string[] OtherProjects = ["jwt-other-1", "jwt-other-2", "jwt-other-3"];

    private readonly Random rng = new(seed);

    /// <summary>A well-formed token of the admin of <paramref name="project"/> (for the pass's own before/after reads).</summary>
    public string AdminToken(string project) => Token([("role", Str("admin")), ("project", Str(project))], broken: null);

    public FuzzRequest Next(int index)
    {
        var project = Pick([targets.ProjectA, targets.ProjectA, targets.ProjectB, Pick(OtherProjects)]);
        var entries = new List<(string Name, string Json)>();
        var shapes = new List<string>();
        var multiOrNonString = false;

        // role and project: usually present, shaped at random; patient: sometimes.
        AddClaim("role", RoleValue, entries, shapes, ref multiOrNonString, presence: 0.95);
        AddClaim("project", () => project, entries, shapes, ref multiOrNonString, presence: 0.95);
        AddClaim("patient", () => Pick([targets.PatientIdA, targets.PatientIdB, "pat-x"]), entries, shapes, ref multiOrNonString, presence: 0.25);
        if (Chance(0.15))
        {
            // A claim under a name that differs from ours (case, plural, the framework's URI): not ours, ignored.
            entries.Add((Pick(ClaimNameVariants), Chance(0.5) ? "\"admin\"" : "[\"admin\",\"admin\"]"));
            shapes.Add("variant-name");
        }

        var broken = rng.Next(10) switch
        {
            0 => "bad-signature",
            1 => "expired",
            2 => "wrong-audience",
            3 when Chance(0.3) => "alg-none",
            _ => null,
        };

        var token = Token(entries, broken);
        var exactAdmin = broken is null && Single(entries, "role") == "admin" && Single(entries, "project") is { } p
            && Wearables.Domain.Common.Identifiers.IsProjectId(p) && !entries.Any(e => e.Name == "patient");
        var mustBe401 = broken is not null || multiOrNonString;

        var endpoint = Pick(["credentials.put", "credentials.put", "apikeys.post", "apikeys.post", "settings.put", "settings.put", "credentials.get", "apikeys.get"]);
        var (method, path, body) = endpoint switch
        {
            "credentials.put" => ("PUT", "/v1/wearables/strava/credentials", exactAdmin
                ? "{\"clientId\":\"\",\"clientSecret\":\"s\"}"
                : "{\"clientId\":\"jwt-fuzz-client\",\"clientSecret\":\"jwt-fuzz-secret\"}"),
            "apikeys.post" => ("POST", "/v1/api-keys", exactAdmin ? "{\"name\":\"jwt-fuzz\",\"role\":\"root\"}" : "{\"name\":\"jwt-fuzz\",\"role\":\"admin\"}"),
            "settings.put" => ("PUT", "/v1/project/settings/WEARABLE_POLAR_ENABLED", exactAdmin ? "{\"value\":\"yes\"}" : "{\"value\":true}"),
            "credentials.get" => ("GET", "/v1/wearables/strava/credentials", null),
            _ => ("GET", "/v1/api-keys", (string?)null),
        };

        var headers = new List<KeyValuePair<string, string[]>> { new("Authorization", ["Bearer " + token]) };
        var family = "jwt:" + string.Join(",", shapes) + (broken is null ? string.Empty : "," + broken) + (body is null ? string.Empty : "+json");
        var caller = exactAdmin ? "jwt-admin" : mustBe401 ? "jwt-401" : "jwt-other";
        return new FuzzRequest(index, "jwt." + endpoint, family, caller, method, path, headers, body is null ? null : "application/json", body is null ? null : Encoding.UTF8.GetBytes(body))
        {
            MustBeUnauthorized = mustBe401,
            AdminRoute = method != "GET",
            AdminSuccessAllowed = exactAdmin,
        };
    }

    /// <summary>Adds one claim (or none, or a duplicated JSON key) in a random shape; records whether it is multi-valued or not a string.</summary>
    private void AddClaim(string name, Func<string> good, List<(string Name, string Json)> entries, List<string> shapes, ref bool multiOrNonString, double presence)
    {
        if (!Chance(presence))
        {
            shapes.Add(name + ":absent");
            return;
        }

        var (json, shape, bad) = rng.Next(17) switch
        {
            0 => (Array(good(), good()), "array2", true),
            1 => (Array(good(), "admin"), "array+admin", true),
            2 => (Array(good(), good(), good()), "array3", true),
            3 => ("[]", "empty-array", true),
            4 => ("[" + Array(good(), "admin") + "]", "nested-array", true),
            5 => ("[" + Array(good()) + "]", "nested-one", true),
            15 => (Array(good()), "one-element-array", true),
            6 => (Pick(["1", "0", "-7", "12345", "1e3", "3.14"]), "number", true),
            7 => (Pick(["true", "false"]), "bool", true),
            8 => (Pick(["{}", "{\"value\":\"admin\"}", "{\"" + name + "\":" + Str(good()) + "}"]), "object", true),
            9 => ("null", "null", true),
            10 => (string.Empty, "duplicate-entries", true),
            11 => (Str(new string('a', 2000 + rng.Next(20000))), "long", false),
            12 => (Str(good() + Pick(Controls)), "control-char", false),
            _ => (Str(good()), "single", false),
        };

        if (shape == "duplicate-entries")
        {
            var one = good();
            json = Array(one, one);
        }

        entries.Add((name, json));
        shapes.Add($"{name}:{shape}");
        if (Chance(0.05))
        {
            // The same JSON key twice: RFC 7519 lets a parser reject the token or take the last value;
            // a token two readers may understand differently names no single caller.
            entries.Insert(0, (name, Str(name == "role" ? "admin" : good())));
            entries.Add((name, Str(name == "role" ? "service" : good())));
            shapes.Add(name + ":duplicate-key");
            bad = true;
        }

        multiOrNonString |= bad;
    }

    private string RoleValue() => Chance(0.8) ? Pick(RoleNames) : Pick(RoleTricks);

    /// <summary>The claim's one string value as the service reads it (the last JSON key wins), or null.</summary>
    private static string? Single(List<(string Name, string Json)> entries, string name)
    {
        var last = entries.LastOrDefault(e => e.Name == name);
        if (last.Json is null || entries.Count(e => e.Name == name) > 1)
        {
            return null;
        }

        using var doc = JsonDocument.Parse(last.Json);
        return doc.RootElement.ValueKind == JsonValueKind.String ? doc.RootElement.GetString() : null;
    }

    private string Token(List<(string Name, string Json)> entries, string? broken)
    {
        var now = DateTimeOffset.UtcNow;
        var exp = broken == "expired" ? now.AddMinutes(-10) : now.AddMinutes(10);
        var payload = new StringBuilder("{")
            .Append(CultureInfo.InvariantCulture, $"\"iss\":\"{Issuer}\",\"aud\":\"{(broken == "wrong-audience" ? "someone-else" : Audience)}\",")
            .Append(CultureInfo.InvariantCulture, $"\"sub\":\"fuzz-{rng.Next(100000)}\",\"iat\":{exp.AddMinutes(-20).ToUnixTimeSeconds()},\"nbf\":{exp.AddMinutes(-20).ToUnixTimeSeconds()},\"exp\":{exp.ToUnixTimeSeconds()}");
        foreach (var (name, json) in entries)
        {
            payload.Append(',').Append(Str(name)).Append(':').Append(json);
        }

        payload.Append('}');
        var head = Base64Url(Encoding.UTF8.GetBytes(broken == "alg-none" ? "{\"alg\":\"none\",\"typ\":\"JWT\"}" : "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"));
        var body = Base64Url(Encoding.UTF8.GetBytes(payload.ToString()));
        var signature = HMACSHA256.HashData(signingKey, Encoding.ASCII.GetBytes($"{head}.{body}"));
        if (broken == "bad-signature")
        {
            signature[rng.Next(signature.Length)] ^= 0x5a;
        }

        return broken == "alg-none" ? $"{head}.{body}." : $"{head}.{body}.{Base64Url(signature)}";
    }

    private static string Array(params string[] values) => "[" + string.Join(",", values.Select(Str)) + "]";

    private static string Str(string value) => JsonSerializer.Serialize(value);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private bool Chance(double p) => rng.NextDouble() < p;

    private string Pick(string[] values) => values[rng.Next(values.Length)];
}
