using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Wearables.Resilience.Tests.Fuzz;

/// <summary>The callers and ids the fuzzer may use.</summary>
/// <remarks>
/// Project A is fresh (nothing configured: the "nothing stored" snapshot starts empty). Project B has
/// strava on with credentials, polar on without, and one allowed redirect origin
/// (<see cref="RequestFuzzer.AllowedOrigin"/>), so that connect requests get past the toggles and reach
/// the field validation.
/// </remarks>
public sealed record FuzzTargets(
    string AdminA,
    string ServiceA,
    string PatientA,
    string PatientIdA,
    string AdminB,
    string ServiceB,
    string PatientB,
    string PatientIdB,
    string ProjectA = "proj-a",
    string ProjectB = "proj-b");

/// <summary>
/// Generates malformed requests for every endpoint from one seeded <see cref="Random"/>. Every body sent
/// to a write endpoint is invalid in meaning (a missing, blank, oversized, mistyped or forbidden field,
/// an unknown key, a disallowed redirect URI…) before any syntax or encoding damage is layered on top,
/// so that no request is acceptable however leniently it is parsed: a 2xx on a write is a finding.
/// </summary>
public sealed class RequestFuzzer(int seed, FuzzTargets targets)
{
    public const string AllowedOrigin = "https://app.example";

    private static readonly (string Name, int Weight)[] Endpoints =
    [
        ("credentials.put", 13), ("credentials.get", 4), ("credentials.delete", 3),
        ("settings.put", 12), ("settings.get", 3),
        ("apikeys.get", 3), ("apikeys.post", 10), ("apikeys.delete", 4),
        ("connect", 14), ("callback", 11), ("list", 7), ("exchange", 9),
        ("webhook.post", 7), ("webhook.get", 3), ("subscription.put", 2), ("subscription.get", 1), ("subscription.delete", 1),
        ("health", 2), ("swagger", 2), ("junk", 3),
        ("junction.put", 6), ("junction.get", 2), ("junction.delete", 1),
    ];

    private static readonly (string Name, int Weight)[] Callers =
    [
        ("adminA", 38), ("adminB", 14), ("serviceA", 5), ("serviceB", 5), ("patientA", 4), ("patientB", 5), ("none", 15), ("abuse", 14),
    ];

    private static readonly string[] Controls = ["\u0000", "\u0001", "\u0007", "\n", "\r", "\t", "\u001b", "\u007f", "\u0085", "\u2028", "\u2029", "\ufeff"];
    private static readonly string[] Blanks = ["", " ", "   ", "\t", "\u00a0", "\u3000", " \t "];

    /// <summary>Plausible, valid-looking text (used only next to a field that is invalid).</summary>
    private static readonly string[] GoodText =
    [
        "abcd1234", "client-ÄÖÜ-ß", "🙂🙃", "x", "' OR 1=1 --", "<script>alert(1)</script>", "%00", "../../etc/passwd",
        "${jndi:ldap://x/a}", "{{7*7}}", "\\u0000", "wk_aaaaaaaa_bbbb", "null", "SELECT * FROM api_keys", "a;b|c&d", "\"quoted\"",
    ];

    /// <summary>Values that are neither a valid toggle nor a valid origin list: every settings PUT carries one.</summary>
    private static readonly string[] InvalidSettingValues =
    [
        "1", "0", "-1", "1e400", "null", "[]", "[true]", "{}", "{\"value\":true}", "\"yes\"", "\"no\"", "\"1\"", "\"on\"", "\"true \"", "\" false\"", "\"tru\"",
        "\"https://evil.example/path\"", "\"http://evil.example\"", "\"https://a.example?q=1\"", "\"https://user:pw@a.example\"", "\"https://a.example#f\"",
        "\"javascript:alert(1)\"", "\"ftp://a.example\"", "\"true,false\"", "\"https://a.example\\n\"", "\"true\\u0000\"", "123456789012345678901234567890",
        "\"https://a.example, http://evil.example\"", "[\"https://a.example\"]", "{\"origins\":\"https://a.example\"}",
    ];

    /// <summary>
    /// Patient ids that are not FHIR ids (<c>[A-Za-z0-9\-\.]{1,64}</c>, and not only dots: "." and ".." are
    /// path segments). The last one (a trailing newline) probes the anchors of the id pattern.
    /// </summary>
    private static readonly string[] InvalidPatientIds =
    [
        "", " ", "a b", "ü", "pat/1", "../x", "pat_1", "pat:1", "pat@1", "pat%2F1", "<b>", "pat\u0000", "p\tq", "\n", new string('p', 65), ".", "..", "...", "pat-1\n",
    ];

    private static readonly string[] InvalidRedirectUris =
    [
        "http://evil.example/cb", "https://evil.example/cb", "https://app.example.evil.example/cb", "javascript:alert(1)", "/relative/cb", "//app.example/cb",
        "https://app.example/cb#frag", "https://u:p@app.example/cb", "https://app.example/" + new string('a', 2100), "https://app.example/\u0001",
        "https://app.example/café", "https://app.example/cb?n=Zoë", "https://äpp.example/cb", "https://app.example/a b", "https://app.example/\u202Ecb",
        "", "  ", "http://localhost/cb", "http://127.0.0.1:5000/cb", "data:text/html,hi", "https://", "ht tp://app.example/", "file:///etc/passwd",
    ];

    private static readonly string[] WrongTypes = ["1", "-0", "1e309", "123456789012345678901234567890", "true", "false", "[]", "[\"a\"]", "{}", "{\"a\":1}", "[null]", "0.5"];

    private static readonly string[] ProviderTricks =
    [
        "STRAVA", "Strava", "unknown", "fitbit", "garmin", "..", "%2e%2e", ".", "%2E", "strava%00", "strava%2Fcredentials", "strava%2F..%2Fpolar", "%00", "%FF",
        "%C0%AE", "ѕtrava", "strava%20", "%20strava", "strava;x=1", "strava.json", "str%61va", "*", "%2A", "%7Bprovider%7D", "strava%252F", "strava%0A",
        "polar%0D%0A", "%E2%80%AE", "apple_health_kit", "junction", "%", "%%", "%zz",
    ];

    private static readonly string[] UserIdTricks =
    [
        "..", "%2e%2e", ".", "%00", "%2F", "a%2Fb", "%FF%FE", "ключ", "p1%0A", "p1%0D%0A", "*", "%25", "'%20OR%20'1'='1", "%3Cscript%3E", "p1%20", "%20",
        "p%2E1", "null", "undefined", "%7B%7D", "pat-a1.", "-", "pat-1;x", "%C0%AE%C0%AE",
    ];

    private static readonly string[] UnusualMethods = ["PATCH", "OPTIONS", "HEAD", "TRACE", "PROPFIND", "FOO", "GET"];

    private static readonly string[] ContentTypes =
    [
        "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz", "application/json; charset=utf-8; charset=latin1",
        "application/*", "*/*", "application/problem+json", "text/json", "application/json-patch+json", "APPLICATION/JSON", "application/json;;", "application / json",
        "ápplication/json", "application/json; charset=\"utf-8\"", "", "application/json; charset=bogus", "application/json; charset=utf-7", "application/octet-stream",
        "application/json; boundary=--", "text/html; charset=utf-16", "application/json; charset=utf-16", "application/json; charset=UTF-16LE",
        "application/json; charset=utf-32", "application/json; charset=\"\"", "application/json; charset=utf-8; charset=utf-16", "application/json; charset=windows-1252",
    ];

    private readonly Random rng = new(seed);
    private readonly FuzzTargets t = targets;

    public int Seed { get; } = seed;

    public FuzzRequest Next(int index)
    {
        var endpoint = Weighted(Endpoints);
        var caller = Weighted(Callers);
        if (endpoint == "credentials.delete" && caller == "adminB")
        {
            // B's credentials are part of the setup; deleting them would be a legitimate 200.
            caller = "adminA";
        }

        if (endpoint == "subscription.put" && caller == "adminB")
        {
            // B's Strava credentials are real at the fake, which would call back a URL nobody listens on: a 502 by design, not a finding.
            caller = "adminA";
        }

        var (method, path, body, family, successAllowed) = endpoint switch
        {
            "credentials.put" => ("PUT", $"/v1/wearables/{Provider()}/credentials{RouteSuffix()}", CredentialsBody(), "body", false),
            "credentials.get" => ("GET", $"/v1/wearables/{Provider()}/credentials{RouteSuffix()}", MaybeBody(), "read", false),
            "credentials.delete" => ("DELETE", $"/v1/wearables/{Provider()}/credentials{RouteSuffix()}", MaybeBody(), "delete", true),
            "settings.put" => ("PUT", $"/v1/project/settings/{SettingKey()}{RouteSuffix()}", SettingBody(), "body", false),
            "settings.get" => ("GET", $"/v1/project/settings{RouteSuffix()}{MaybeQuery()}", MaybeBody(), "read", false),
            "apikeys.get" => ("GET", $"/v1/api-keys{RouteSuffix()}{MaybeQuery()}", MaybeBody(), "read", false),
            "apikeys.post" => ("POST", $"/v1/api-keys{RouteSuffix()}", ApiKeyBody(), "body", false),
            "apikeys.delete" => ("DELETE", $"/v1/api-keys/{KeyId()}", MaybeBody(), "delete", false),
            "connect" => ("POST", $"/v1/wearables/{Provider()}/connect{RouteSuffix()}", ConnectBody(caller), "body", false),
            "callback" => ("GET", $"/v1/wearables/{Provider()}/callback{RouteSuffix()}{CallbackQuery()}", MaybeBody(), "query", false),
            "list" => ("GET", ListPath(), MaybeBody(), "path", false),
            "exchange" => ("POST", $"/v1/wearables/link/exchange{RouteSuffix()}", ExchangeBody(), "body", false),
            "junction.put" => ("PUT", $"/v1/wearables/{Pick(JunctionSlugs)}/credentials{RouteSuffix()}", JunctionCredentialsBody(), "body", false),
            "junction.get" => ("GET", $"/v1/wearables/{Pick(JunctionSlugs)}/credentials{RouteSuffix()}", MaybeBody(), "read", false),
            "junction.delete" => ("DELETE", $"/v1/wearables/{Pick(JunctionSlugs)}/credentials{RouteSuffix()}", MaybeBody(), "delete", true),
            "webhook.post" => ("POST", $"/v1/wearables/{WebhookProvider()}/webhooks/{WebhookProject()}{RouteSuffix()}", WebhookBody(), "body", false),
            "webhook.get" => ("GET", $"/v1/wearables/{WebhookProvider()}/webhooks/{WebhookProject()}{RouteSuffix()}{HandshakeQuery()}", MaybeBody(), "query", false),
            "subscription.put" => ("PUT", $"/v1/wearables/{Provider()}/webhook-subscription{RouteSuffix()}", MaybeBody(), "body", false),
            "subscription.get" => ("GET", $"/v1/wearables/{Provider()}/webhook-subscription{RouteSuffix()}", MaybeBody(), "read", false),
            "subscription.delete" => ("DELETE", $"/v1/wearables/{Provider()}/webhook-subscription{RouteSuffix()}", MaybeBody(), "delete", true),
            // Health checks answer every method (MapHealthChecks): a 200 to a DELETE there changes nothing.
            "health" => (Chance(0.7) ? "GET" : Pick(["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE"]), HealthPath(), MaybeBody(), "ops", true),
            "swagger" => (Chance(0.75) ? "GET" : Pick(["POST", "PUT", "DELETE", "OPTIONS", "HEAD"]), SwaggerPath(), MaybeBody(), "ops", false),
            _ => (Pick(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]), JunkPath(), MaybeBody(), "junk", false),
        };

        if (Chance(0.07) && endpoint is not ("health" or "swagger" or "junk"))
        {
            method = Pick(UnusualMethods);
            family = "method";
        }

        var headers = new List<KeyValuePair<string, string[]>>();
        var callerLabel = ApplyCaller(caller, headers);
        if (endpoint == "webhook.post")
        {
            AddWebhookHeaders(headers);
        }

        string? contentType = null;
        byte[]? bytes = null;
        if (body is not null)
        {
            (bytes, contentType, var transport) = Encode(body, headers);
            family += "+" + transport;
        }

        return new FuzzRequest(index, endpoint, family, callerLabel, method, path, headers, contentType, bytes) { SuccessAllowed = successAllowed };
    }

    // ---------------------------------------------------------------------------------------------
    // Bodies: always invalid in meaning.

    private string CredentialsBody()
    {
        var fields = new List<KeyValuePair<string, string?>>
        {
            new("clientId", Str(Pick(GoodText))),
            new("clientSecret", Str(Pick(GoodText))),
        };
        if (Chance(0.4))
        {
            fields.Add(new("webhookSecret", Str(Pick(GoodText))));
        }

        var violations = 1 + rng.Next(3);
        for (var i = 0; i < violations; i++)
        {
            var field = Pick(["clientId", "clientSecret", "webhookSecret"]);
            var limit = field == "clientId" ? 256 : 1024;
            var value = rng.Next(6) switch
            {
                0 when field != "webhookSecret" => null,
                0 or 1 => Str(Pick(Blanks)),
                2 => Str(new string('c', limit + 1 + rng.Next(Chance(0.2) ? 20000 : 200))),
                3 => Str(Insert(Pick(GoodText), Pick(Controls))),
                4 when field != "webhookSecret" => "null",
                _ => Pick(WrongTypes),
            };
            Set(fields, field, value);
        }

        return ObjectText(fields);
    }

    private string SettingBody()
    {
        var value = Pick(InvalidSettingValues);
        return rng.Next(8) switch
        {
            0 => "{}",
            1 => $"{{\"value\":{value},\"value\":{value}}}",
            2 => $"{{\"Value\":{value}}}",
            3 => $"{{\"val\":true,\"value\":{value}}}",
            4 => $"[{{\"value\":{value}}}]",
            _ => $"{{\"value\":{value}}}",
        };
    }

    private string ApiKeyBody()
    {
        var fields = new List<KeyValuePair<string, string?>>
        {
            new("name", Str(Pick(GoodText))),
            new("role", Str(Pick(["admin", "service", "patient"]))),
        };
        switch (rng.Next(4))
        {
            case 0:
                Set(fields, "role", Pick([Str("root"), Str("ADMIN"), Str("Admin"), Str("admin "), Str(" service"), Str(""), Str("patient\u0000"), "1", "true", "[]", "{}", "null", null]));
                break;
            case 1:
                Set(fields, "name", rng.Next(5) switch
                {
                    0 => null,
                    1 => "null",
                    2 => Str(Pick(Blanks)),
                    3 => Str(new string('n', 101 + rng.Next(5000))),
                    _ => Str(Insert(Pick(GoodText), Pick(Controls))),
                });
                break;
            case 2:
                Set(fields, "role", Str("patient"));
                Set(fields, "patientId", Chance(0.15) ? Pick([null, "null", "1", "[]"]) : Str(Pick(InvalidPatientIds)));
                break;
            default:
                Set(fields, "role", Str(Pick(["admin", "service"])));
                Set(fields, "patientId", Str(Chance(0.5) ? "pat-1" : Pick(GoodText)));
                break;
        }

        return ObjectText(fields);
    }

    private string ConnectBody(string caller)
    {
        var ownId = caller switch
        {
            "patientA" => t.PatientIdA,
            "patientB" => t.PatientIdB,
            _ => Chance(0.5) ? t.PatientIdB : "pat-" + rng.Next(1000).ToString(CultureInfo.InvariantCulture),
        };
        var fields = new List<KeyValuePair<string, string?>>();
        if (Chance(0.5))
        {
            Set(fields, "patientId", rng.Next(10) switch
            {
                0 => null,
                1 => "null",
                2 => Pick(WrongTypes),
                _ => Str(Pick(InvalidPatientIds)),
            });
            if (Chance(0.5))
            {
                Set(fields, "redirectUri", Str(Chance(0.5) ? AllowedOrigin + "/done" : Pick(InvalidRedirectUris)));
            }
        }
        else
        {
            Set(fields, "patientId", Str(ownId));
            Set(fields, "redirectUri", Chance(0.1) ? Pick(WrongTypes) : Str(Pick(InvalidRedirectUris)));
        }

        return ObjectText(fields);
    }

    /// <summary>The Junction credentials route is literal (it wins over <c>{provider}/credentials</c>), in any case.</summary>
    private static readonly string[] JunctionSlugs = ["junction", "Junction", "JUNCTION"];

    /// <summary>Base URLs a project may not name: other hosts, loopback, non-ASCII, user info, queries, other schemes, relative.</summary>
    private static readonly string[] RefusedJunctionBaseUrls =
    [
        "https://evil.example/", "http://127.0.0.1:9/", "http://169.254.169.254/latest/", "https://api.tryvital.io/café", "https://äpi.tryvital.io/",
        "https://user:pw@api.tryvital.io/", "https://api.tryvital.io/?x=1", "https://api.tryvital.io/#f", "file:///etc/passwd", "api.tryvital.io", "//api.tryvital.io",
        "https://api.tryvital.io.evil.example/", "gopher://api.tryvital.io/",
    ];

    /// <summary>A Junction credentials body with at least one violation (so a 200 would be an accepted malformed write).</summary>
    private string JunctionCredentialsBody()
    {
        var fields = new List<KeyValuePair<string, string?>>
        {
            new("apiKey", Str("sk_us_" + rng.Next().ToString("x", CultureInfo.InvariantCulture))),
            new("region", Str("us")),
        };
        var violations = 1 + rng.Next(3);
        for (var i = 0; i < violations; i++)
        {
            switch (rng.Next(5))
            {
                case 0:
                    Set(fields, "apiKey", rng.Next(7) switch
                    {
                        0 => null,
                        1 => "null",
                        2 => Pick(WrongTypes),
                        3 => Str(new string('k', 513 + rng.Next(5000))),
                        4 => Str(Insert("sk_us_abc", Pick(Controls))),
                        5 => Str(Pick(["sk us abc", "sk_café", "ключ", "sk_🙂"])),
                        _ => Str(Pick(Blanks)),
                    });
                    break;
                case 1:
                    Set(fields, "region", Chance(0.3) ? Pick(WrongTypes) : Str(Pick(["apac", "US", "Eu", "", " us", "us\n", "eu-sandbox ", "junction"])));
                    break;
                case 2:
                    // Both a region and a base URL (even an allowed one) is refused.
                    Set(fields, "region", Str("us"));
                    Set(fields, "baseUrl", Str(Pick(["https://api.tryvital.io/", "https://api.eu.tryvital.io"])));
                    break;
                case 3:
                    Set(fields, "region", null);
                    Set(fields, "baseUrl", Chance(0.2) ? Pick(WrongTypes) : Str(Pick(RefusedJunctionBaseUrls)));
                    break;
                default:
                    // Neither a region nor a base URL.
                    Set(fields, "region", null);
                    Set(fields, "baseUrl", null);
                    break;
            }
        }

        return ObjectText(fields);
    }

    /// <summary>
    /// A provider event that is never one: Strava's without its <c>aspect_type</c> (or worse), Polar's
    /// without a valid signature (see <see cref="AddWebhookHeaders"/>), so no delivery can be queued.
    /// </summary>
    private string WebhookBody()
    {
        var fields = new List<KeyValuePair<string, string?>>();
        foreach (var (name, good) in new[] { ("owner_id", "134815"), ("subscription_id", "120475"), ("object_type", "\"athlete\""), ("object_id", "1"), ("event_time", "1516126040"), ("event", "\"EXERCISE\""), ("user_id", "475"), ("timestamp", "\"2026-12-01T10:00:00Z\"") })
        {
            if (Chance(0.6))
            {
                Set(fields, name, rng.Next(5) switch
                {
                    0 => Pick(WrongTypes),
                    1 => Str(Pick(Blanks)),
                    2 => Str(new string('w', 200 + rng.Next(5000))),
                    3 => "null",
                    _ => good,
                });
            }
        }

        if (Chance(0.3))
        {
            Set(fields, "updates", Pick(["{\"authorized\":\"false\"}", "{\"authorized\":false}", "[]", "\"false\"", "{\"title\":\"" + new string('t', 100) + "\"}"]));
        }

        if (Chance(0.15))
        {
            // Fitbit's, Garmin's and Withings' shapes: deauthorizations of a user, never with the proof.
            return Pick(["[{\"collectionType\":\"userRevokedAccess\",\"ownerId\":\"228S74\",\"ownerType\":\"user\"}]", "{\"deregistrations\":[{\"userId\":\"u1\"}]}",
                "{\"userPermissionsChange\":[{\"userId\":\"u1\",\"permissions\":[]}]}", "userid=363&appli=46&action=unlink", "[" + ObjectText(fields) + "]"]);
        }

        return ObjectText(fields);
    }

    /// <summary>Polar's headers, with a signature that is never the key's (project B has no webhook secret; project A no credentials).</summary>
    private void AddWebhookHeaders(List<KeyValuePair<string, string[]>> headers)
    {
        if (Chance(0.5))
        {
            headers.Add(new("Polar-Webhook-Signature", [rng.Next(4) switch
            {
                0 => RandomToken(64),
                1 => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
                2 => string.Empty,
                _ => new string('f', 64 + rng.Next(3)),
            }]));
        }

        if (Chance(0.3))
        {
            headers.Add(new("Polar-Webhook-Event", [Pick(["EXERCISE", "SLEEP", "ping", "Ping", ""])]));
        }

        if (Chance(0.2))
        {
            headers.Add(new(Pick(["X-Fitbit-Signature", "garmin-client-id", "X-Forwarded-For"]), [Pick([RandomToken(28), "rodA/KAl9gkRu7P4k9rGp8T1egk=", "fuzz-client", "203.0.113.7", string.Empty])]));
        }
    }

    private string WebhookProject() => rng.Next(6) switch
    {
        < 2 => t.ProjectA,
        < 4 => t.ProjectB,
        _ => Pick(["..", "%2e%2e", "%00", "proj-404", new string('p', 5000), "ключ", "%0A", "*", "a%2Fb", "%20"]),
    };

    private string HandshakeQuery()
    {
        var parts = new List<string>();
        foreach (var name in new[] { "hub.mode", "hub.verify_token", "hub.challenge" })
        {
            if (Chance(0.7))
            {
                parts.Add(name + "=" + (rng.Next(6) switch
                {
                    0 => string.Empty,
                    1 => "subscribe",
                    2 => RandomToken(43),
                    3 => new string('h', 300 + rng.Next(3000)),
                    4 => Pick(["%00", "%FF%FE", "%0D%0AX-Injected:%201", "ключ", "%", "%zz"]),
                    _ => RandomToken(10),
                }));
            }
        }

        return parts.Count == 0 ? string.Empty : "?" + string.Join("&", parts);
    }

    private string ExchangeBody()
    {
        var fields = new List<KeyValuePair<string, string?>>();
        switch (rng.Next(3))
        {
            case 0:
                Set(fields, "link_token", rng.Next(6) switch
                {
                    0 => null,
                    1 => "null",
                    2 => Pick(WrongTypes),
                    3 => Str(new string('t', 2049 + rng.Next(5000))),
                    4 => Str(Insert("lt-abc", Pick(Controls))),
                    _ => Str(Pick(Blanks)),
                });
                if (Chance(0.5))
                {
                    Set(fields, "provider", Str(Pick(["oura", "garmin", "apple_health_kit"])));
                }

                break;
            case 1:
                Set(fields, "link_token", Str("lt-" + rng.Next().ToString("x", CultureInfo.InvariantCulture)));
                Set(fields, "provider", Chance(0.2) ? Pick(WrongTypes) : Str(Pick(["fitbit", "OURA", "", " oura", "strava", "oura\n", "apple-health-kit", "junction"])));
                break;
            default:
                // Well-formed, but the token is unknown to Junction: its isValid call answers {"valid": false}.
                Set(fields, "link_token", Str("lt-" + rng.Next().ToString("x", CultureInfo.InvariantCulture) + Pick(["", "-ключ", "%00", "🙂"])));
                if (Chance(0.6))
                {
                    Set(fields, "provider", Str(Pick(["oura", "garmin", "whoop", "dexcom"])));
                }

                break;
        }

        if (Chance(0.1))
        {
            Set(fields, "patient_id", Str(t.PatientIdB));
        }

        return ObjectText(fields);
    }

    /// <summary>A body for reads and deletes now and then (any junk will do: they take no body).</summary>
    private string? MaybeBody() => Chance(0.1) ? Pick(["{}", "{\"clientId\":1}", "null", "[[[[", Pick(InvalidSettingValues)]) : null;

    // ---------------------------------------------------------------------------------------------
    // Paths and queries.

    private string Provider() => rng.Next(10) switch
    {
        < 5 => "strava",
        < 7 => "polar",
        7 => new string('a', Pick([300, 5000])),
        _ => Pick(ProviderTricks),
    };

    /// <summary>Now and then a provider whose webhooks prove themselves otherwise (Fitbit's HMAC-SHA1, Withings' address ranges, Garmin's client id).</summary>
    private string WebhookProvider() => Chance(0.25) ? Pick(["fitbit", "withings", "garmin"]) : Provider();

    private string RouteSuffix() => rng.Next(14) switch
    {
        0 => "/",
        1 => "//",
        2 => "/.",
        3 => "/..",
        4 => "%2F",
        5 => "/extra",
        6 => "%00",
        _ => string.Empty,
    };

    private string MaybeQuery() => Chance(0.15) ? "?" + Pick(["a=1&a=2", "%zz", "x=" + new string('q', 3000), "&&&", "=", "%00=%00"]) : string.Empty;

    private string SettingKey() => rng.Next(10) switch
    {
        < 6 => Pick(["WEARABLE_STRAVA_ENABLED", "WEARABLE_POLAR_ENABLED", "WEARABLE_REDIRECT_ORIGINS"]),
        _ => Pick([
            "wearable_strava_enabled", "WEARABLE_FITBIT_ENABLED", "WEARABLE_STRAVA_ENABLED%20", "%57EARABLE_STRAVA_ENABLED", "..", "%2e%2e", "%00",
            "WEARABLE_STRAVA_ENABLED%00", new string('K', 4000), "WEARABLE_REDIRECT_ORIGINS%2F..", "ключ", "*", "WEARABLE_%0A", "WEARABLE_STRAVA_ENABLED.json",
        ]),
    };

    private string KeyId() => rng.Next(8) switch
    {
        < 3 => "wk_" + new string(Enumerable.Range(0, 8).Select(_ => "abcdefghijkmnpqrstuvwxyz23456789"[rng.Next(32)]).ToArray()),
        _ => Pick(["..", "%2e%2e", "%00", "%2F", new string('a', 5000), "ключ", "wk_abc%0A", "*", "%25", "null", "undefined", "'%20OR%20'1'='1", "wk_", "%20"]),
    };

    private string CallbackQuery()
    {
        var parts = new List<string>();
        var n = rng.Next(5);
        for (var i = 0; i < n; i++)
        {
            var name = Pick(["state", "state", "code", "code", "error", "error_description", "scope", "x", "state[]", "STATE", "%73tate", ""]);
            var value = rng.Next(12) switch
            {
                0 => string.Empty,
                1 => RandomToken(43),
                2 => RandomToken(129 + rng.Next(200)),
                3 => new string('s', 100_000),
                4 => Pick(["%00", "%FF%FE", "%C3%28", "%0D%0AX-Injected:%201", "%E2%80%AE", "+", "a%20b", "ключ", "..%2F..%2F", "%", "%%", "%zz"]),
                5 => Uri.EscapeDataString(Pick(["access_denied", "<script>alert(1)</script>", "\u0007bell", "line\r\nbreak", new string('e', 5000)])),
                6 => Uri.EscapeDataString(RandomToken(2049 + rng.Next(3000))),
                _ => RandomToken(20 + rng.Next(40)),
            };
            parts.Add(Chance(0.1) ? name : name + "=" + value);
        }

        if (Chance(0.05))
        {
            parts.Add(Pick(["&&&", "=", "==", "?&", "%", "state=a=b"]));
        }

        return parts.Count == 0 && Chance(0.5) ? string.Empty : "?" + string.Join("&", parts);
    }

    private string ListPath()
    {
        var userId = rng.Next(10) switch
        {
            < 3 => Pick([t.PatientIdA, t.PatientIdB, "p1", "pat-404", "Pat-A1"]),
            3 => new string('u', Pick([65, 300, 10_000])),
            _ => Pick(UserIdTricks),
        };
        var template = rng.Next(10) switch
        {
            0 => "/API/V1/USERS/{0}/CONNECTIONS",
            1 => "/api/v1/users/{0}/connections/",
            2 => "/api/v1/users//{0}/connections",
            3 => "/api/v1/users/{0}/connections?user_id=" + t.PatientIdB,
            _ => "/api/v1/users/{0}/connections",
        };
        return string.Format(CultureInfo.InvariantCulture, template, userId);
    }

    private string HealthPath() => Pick([
        "/health/live", "/health/ready", "/health/live", "/health/ready", "/health/live/", "/HEALTH/LIVE", "/health//live", "/health/live%00",
        "/health/live?x=" + new string('q', 5000), "/health/%2e%2e/live", "/health", "/health/ready?full=true",
    ]);

    private string SwaggerPath() => Pick([
        "/swagger/v1/swagger.json", "/swagger/v1/swagger.json", "/swagger", "/swagger/index.html", "/swagger/v2/swagger.json", "/swagger/v1/swagger.yaml",
        "/swagger/../v1/api-keys", "/swagger/%2e%2e/v1/api-keys", "/", "/swagger/index.html?url=javascript:alert(1)", "/swagger/" + new string('s', 5000),
    ]);

    private string JunkPath() => Pick([
        "/v1/wearables", "/v1/wearables/strava", "/v1//wearables//strava//connect", "/%", "/%%", "/%zz", "/" + new string('j', 10_000),
        "/v1/wearables/strava/credentials/extra", "/v1/wearables/strava/connect/..", "/v1/api-keys/a/b/c", "/api/v1/users", "/api/v1/users/x", "/.env",
        "/v1/wearables/strava/webhook", "/favicon.ico", "/%C0%AE%C0%AE/etc/passwd", "/v1/project/settings/", "/v1/project",
        "/v1/project/settings/WEARABLE_STRAVA_ENABLED/extra", "/v1/wearables/link", "/v1/wearables/link/exchange/x", "/ключ", "/%E2%80%AE",
    ]);

    // ---------------------------------------------------------------------------------------------
    // Callers and header abuse.

    private string ApplyCaller(string caller, List<KeyValuePair<string, string[]>> headers)
    {
        var key = caller switch
        {
            "adminA" => t.AdminA,
            "adminB" => t.AdminB,
            "serviceA" => t.ServiceA,
            "serviceB" => t.ServiceB,
            "patientA" => t.PatientA,
            "patientB" => t.PatientB,
            _ => null,
        };
        if (key is not null)
        {
            if (Chance(0.2))
            {
                headers.Add(new("Authorization", ["Bearer " + key]));
                return caller + "(bearer)";
            }

            headers.Add(new("X-API-Key", [key]));
            return caller;
        }

        if (caller == "none")
        {
            return caller;
        }

        var kind = rng.Next(17);
        switch (kind)
        {
            case 0: headers.Add(new("X-API-Key", [RandomToken(100_000)])); break;
            case 1: headers.Add(new("X-API-Key", ["wk_" + new string('é', 8) + "_" + new string('ж', 43)])); break;
            case 2: headers.Add(new("X-API-Key", [t.AdminA, t.AdminA])); break;
            case 3: headers.Add(new("X-API-Key", ["  " + t.AdminA + " \t"])); break;
            case 4: headers.Add(new("X-API-Key", [t.AdminA.ToUpperInvariant()])); break;
            case 5: headers.Add(new("X-API-Key", [string.Empty])); break;
            case 6: headers.Add(new("Authorization", ["Bearer " + RandomToken(rng.Next(1, 200))])); break;
            case 7: headers.Add(new("Authorization", [Pick(["Bearer", "Bearer   ", "bearer " + t.AdminA, "BEARER " + t.AdminA, "Bearer\t" + t.AdminA, "Token " + t.AdminA])])); break;
            case 8: headers.Add(new("Authorization", ["Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + t.AdminA))])); break;
            case 9: headers.Add(new("Authorization", ["Bearer x", "Bearer " + t.AdminA])); break;
            case 10: headers.Add(new("Authorization", ["Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJwcm9qZWN0IjoieCIsInJvbGUiOiJhZG1pbiJ9."])); break;
            case 11:
                headers.Add(new("X-API-Key", [RandomToken(54)]));
                headers.Add(new("Authorization", ["Bearer " + t.AdminA]));
                break;
            case 12: headers.Add(new("Authorization", ["Bearer ключ-" + new string('я', 60)])); break;
            case 13:
                for (var i = 0; i < 300; i++)
                {
                    headers.Add(new("X-Junk-" + i.ToString(CultureInfo.InvariantCulture), [RandomToken(rng.Next(1, 100))]));
                }

                headers.Add(new("Cookie", ["session=" + RandomToken(50_000)]));
                break;
            case 14: headers.Add(new("X-API-Key", ["wk_" + new string('٣', 8) + "_" + new string('٣', 43)])); break;
            case 15: headers.Add(new("X-Api-Key", [t.ServiceB])); headers.Add(new("Accept", ["application/xml;q=1, */*;q=0"])); break;
            default: headers.Add(new("X-API-Key", [t.AdminA + "\u0000"])); break;
        }

        return "abuse" + kind.ToString(CultureInfo.InvariantCulture);
    }

    // ---------------------------------------------------------------------------------------------
    // Syntax and transport damage, layered over a body that is already invalid in meaning.

    private (byte[] Body, string? ContentType, string Transport) Encode(string payload, List<KeyValuePair<string, string[]>> headers)
    {
        const string json = "application/json";
        if (Chance(0.02))
        {
            return (Huge(payload), json, "huge");
        }

        switch (rng.Next(100))
        {
            case < 40:
                return (Encoding.UTF8.GetBytes(payload), json, "plain");
            case < 46:
                return (Encoding.UTF8.GetBytes(payload[..rng.Next(payload.Length)]), json, "truncated");
            case < 54:
                return (Encoding.UTF8.GetBytes(Garble(payload)), json, "syntax");
            case < 58:
                return ([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(payload)], json, "bom");
            case < 61:
                return (Encoding.Unicode.GetBytes(payload), json + "; charset=utf-16", "utf16le");
            case < 63:
                return (Encoding.BigEndianUnicode.GetBytes(payload), json + "; charset=utf-16", "utf16be-mislabelled");
            case < 65:
                return (Encoding.Unicode.GetBytes(payload), json, "utf16-unlabelled");
            case < 66:
                return (Encoding.UTF32.GetBytes(payload), json + "; charset=utf-32", "utf32");
            case < 68:
                return (Encoding.Latin1.GetBytes(payload + "ÿé"), json + "; charset=iso-8859-1", "latin1");
            case < 74:
                return (InjectInvalidUtf8(Encoding.UTF8.GetBytes(payload)), json, "invalid-utf8");
            case < 83:
                var type = Pick(ContentTypes);
                return (Encoding.UTF8.GetBytes(payload), type.Length == 0 && Chance(0.5) ? null : type, "content-type");
            case < 86:
                return ([], json, "empty");
            case < 88:
                headers.Add(new("Content-Encoding", [Pick(["gzip", "br", "deflate, gzip", "identity;q=0", "x-bogus"])]));
                return (Encoding.UTF8.GetBytes(payload), json, "content-encoding");
            case < 90:
                // Declared UTF-16, but an odd number of bytes ending in a lone surrogate: not decodable as UTF-16.
                return ([.. Encoding.UTF8.GetBytes(payload), 0x00, 0xDC, 0x22], json + Pick(["; charset=utf-16", "; charset=utf-16be", "; charset=unicode"]), "utf16-undecodable");
            case < 93:
                return (Encoding.UTF8.GetBytes(DuplicateFirstKey(payload)), json, "duplicate-key");
            default:
                var (body, label) = WholeBody();
                return (body, json, label);
        }
    }

    /// <summary>The payload's first property given twice (as is or with its first letter's case flipped).</summary>
    private string DuplicateFirstKey(string payload)
    {
        var first = System.Text.RegularExpressions.Regex.Match(payload, "^\\{\"([A-Za-z_]+)\":");
        if (!first.Success)
        {
            return "{\"clientId\":\"a\",\"clientId\":\"b\",\"ClientId\":\"c\"}";
        }

        var name = first.Groups[1].Value;
        var twin = Chance(0.5) ? name : (char.IsUpper(name[0]) ? char.ToLowerInvariant(name[0]) : char.ToUpperInvariant(name[0])) + name[1..];
        return "{\"" + twin + "\":" + Pick(["null", "\"a\"", "1", "true"]) + "," + payload[1..];
    }

    private string Garble(string payload) => rng.Next(9) switch
    {
        0 when payload.EndsWith('}') => payload[..^1] + ",}",
        1 when payload.StartsWith('{') => "{/* comment */" + payload[1..],
        2 => payload.Replace('"', '\''),
        3 => payload.Replace("\":", "\" "),
        4 => payload + "}}}",
        5 => "\u0000" + payload,
        6 => payload.Replace("\"", string.Empty),
        7 => payload + "\n// trailing comment",
        _ => "garbage" + payload,
    };

    /// <summary>
    /// Invalid UTF-8 inside a string value (after a <c>":"</c>). Not inside a property name: System.Text.Json
    /// skips unknown properties without decoding their names, so a damaged name only makes the property
    /// unknown, which can turn an invalid body into a valid one (see the report: that is a finding of its
    /// own, kept out of the generator so that every body stays invalid in meaning).
    /// </summary>
    private byte[] InjectInvalidUtf8(byte[] utf8)
    {
        byte[][] invalid = [[0xC3, 0x28], [0xFF], [0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFE, 0xFE, 0xFF, 0xFF], [0xE2, 0x82]];
        var values = new List<int>();
        for (var i = 0; i + 2 < utf8.Length; i++)
        {
            if (utf8[i] == (byte)'"' && utf8[i + 1] == (byte)':' && utf8[i + 2] == (byte)'"')
            {
                values.Add(i + 3);
            }
        }

        // No string value to damage: damage the structure instead (still invalid, still meaningless).
        var at = values.Count > 0 ? Pick(values) : 0;
        return values.Count > 0 ? [.. utf8[..at], .. Pick(invalid), .. utf8[at..]] : [.. Pick(invalid), .. utf8];
    }

    private (byte[] Body, string Label) WholeBody()
    {
        switch (rng.Next(14))
        {
            case 0: return (Encoding.ASCII.GetBytes(new string('[', 10_000) + new string(']', 10_000)), "deep-array-10k");
            case 1: return (Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", 10_000)) + "1" + new string('}', 10_000)), "deep-object-10k");
            case 2: return (Encoding.ASCII.GetBytes("{\"value\":" + new string('[', 1000) + new string(']', 1000) + "}"), "deep-value-1k");
            case 3: return (Encoding.ASCII.GetBytes("{\"clientId\":1" + new string('0', 100_000) + ",\"value\":-1" + new string('9', 50_000) + "}"), "huge-number");
            case 4: return (Encoding.ASCII.GetBytes(Pick(["NaN", "Infinity", "-Infinity", "{\"value\":NaN}", "{\"value\":-Infinity}", "-", "+1", ".5", "01"])), "nan-literals");
            case 5: return (Encoding.ASCII.GetBytes(Pick(["null", "[]", "\"str\"", "{}", "0", "true", "\"\""])), "scalar-root");
            case 6: return (Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", 50))), "unterminated");
            case 7: return ([.. Enumerable.Range(0, 1 + rng.Next(4096)).Select(_ => (byte)rng.Next(256))], "binary");
            case 8: return (Encoding.ASCII.GetBytes(new string(' ', 1_000_000) + "{}"), "whitespace-1mb");
            case 9: return (Encoding.UTF8.GetBytes("{\"a\":1,\"a\":2,\"a\":{\"a\":[]},\"A\":null}"), "duplicate-unknown");
            case 10: return (Encoding.UTF8.GetBytes("{\"clientId\":\"\\uD800\",\"clientSecret\":\"\\uDFFF\\uD800\",\"webhookSecret\":\"\",\"value\":\"\\uD800\",\"name\":\"\\u0000\",\"link_token\":\"\\uDBFF\"}"), "lone-surrogates");
            case 11: return (Encoding.UTF8.GetBytes("{\"clientId\":\"a\" \"clientSecret\":\"b\"}"), "missing-comma");
            case 12: return (Encoding.UTF8.GetBytes("{\"__proto__\":{\"role\":\"admin\"},\"constructor\":{\"prototype\":{}}}"), "prototype");
            default: return (Encoding.UTF8.GetBytes("{\"value\":\"" + new string('\\', 1001) + "\"}"), "odd-escapes");
        }
    }

    /// <summary>100 kB – 2 MB: a huge value where a short one is expected (too long for every field), a huge array or a huge object of unknown keys.</summary>
    private byte[] Huge(string payload)
    {
        var size = 100_000 + rng.Next(1_900_000);
        return rng.Next(4) switch
        {
            0 => Encoding.UTF8.GetBytes("{\"clientId\":\"" + new string('h', size) + "\",\"clientSecret\":\"s\",\"name\":\"" + new string('h', 10) + "\",\"role\":\"nobody\"}"),
            1 => Encoding.UTF8.GetBytes("{\"value\":\"" + new string('h', size) + "\",\"patientId\":\"" + new string('h', size / 4) + "\",\"link_token\":\"" + new string('h', 3000) + "\"}"),
            2 => Encoding.ASCII.GetBytes("[" + string.Join(",", Enumerable.Repeat("1", size / 2)) + "]"),
            _ => Encoding.ASCII.GetBytes("{" + string.Join(",", Enumerable.Range(0, size / 12).Select(i => $"\"k{i}\":0")) + "}" + payload[..0]),
        };
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers.

    private static string Str(string value) => JsonSerializer.Serialize(value);

    private static void Set(List<KeyValuePair<string, string?>> fields, string name, string? jsonValue)
    {
        fields.RemoveAll(f => f.Key == name);
        fields.Add(new(name, jsonValue));
    }

    /// <summary>A JSON object; a null value means "property absent".</summary>
    private string ObjectText(List<KeyValuePair<string, string?>> fields)
    {
        var present = fields.Where(f => f.Value is not null).ToList();
        if (Chance(0.1) && present.Count > 0)
        {
            // The same property twice with the same (already invalid or harmless) value.
            present.Add(present[rng.Next(present.Count)]);
        }

        if (Chance(0.1))
        {
            present.Insert(rng.Next(present.Count + 1), new(Pick(["client_id", "secret", "__proto__", "extra", "Client Id", "patient_id ", "$type"]), Pick(WrongTypes)));
        }

        return "{" + string.Join(",", present.Select(f => Str(f.Key) + ":" + f.Value)) + "}";
    }

    private string Insert(string text, string insert)
    {
        var at = rng.Next(text.Length + 1);
        return text[..at] + insert + text[at..];
    }

    private string RandomToken(int length)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = alphabet[rng.Next(alphabet.Length)];
        }

        return new string(chars);
    }

    private bool Chance(double p) => rng.NextDouble() < p;

    private T Pick<T>(IReadOnlyList<T> items) => items[rng.Next(items.Count)];

    private string Weighted((string Name, int Weight)[] items)
    {
        var roll = rng.Next(items.Sum(i => i.Weight));
        foreach (var (name, weight) in items)
        {
            if ((roll -= weight) < 0)
            {
                return name;
            }
        }

        return items[^1].Name;
    }
}
