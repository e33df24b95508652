using System.Net.Http.Headers;
using System.Text;
using Wearables.Domain.Security;
using Wearables.Resilience.Tests.Infrastructure;

namespace Wearables.Resilience.Tests.Fuzz;

/// <summary>
/// The fuzz pass's findings, each pinned down as one small request, so that a fix can be checked
/// without reading fuzz output (and stays fixed).
/// </summary>
[TestFixture]
[Category("Fuzz")]
[NonParallelizable]
public sealed class FuzzFindingsTests
{
    private ThirdParties fakes = null!;
    private ServiceInstance service = null!;
    private HttpClient admin = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        fakes = await ThirdParties.StartAsync();
        service = ServiceInstance.Start(fakes.Options());
        var project = WearablesServiceFactory.NewProjectId();
        admin = service.Client((await service.IssueKeyAsync(project, Role.Admin)).Key);
        await Http.ConfigureStravaAsync(admin, fakes.Strava, RequestFuzzer.AllowedOrigin);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        admin.Dispose();
        await service.DisposeAsync();
        await fakes.DisposeAsync();
    }

    /// <summary>
    /// <c>{"value":"\uD800"}</c> is well-formed JSON whose string is not valid UTF-16. The settings value is
    /// bound as a <c>JsonElement</c>, and <c>JsonElement.GetString()</c> in <c>ProjectSettings.Normalize</c>
    /// throws InvalidOperationException: a 500 today.
    /// </summary>
    [TestCase("WEARABLE_STRAVA_ENABLED")]
    [TestCase("WEARABLE_REDIRECT_ORIGINS")]
    public async Task SettingValue_WithALoneSurrogate_IsRefusedWith422_NotA500(string key)
    {
        var answer = await SendRawAsync(HttpMethod.Put, $"/v1/project/settings/{key}", Encoding.ASCII.GetBytes("{\"value\":\"\\uD800\"}"));

        Assert.That((answer.Status, answer.Error), Is.EqualTo((422, "setting_value_invalid")), answer.ToString());
    }

    /// <summary>The same code path with raw invalid UTF-8 inside the value string.</summary>
    [TestCase("WEARABLE_STRAVA_ENABLED")]
    [TestCase("WEARABLE_REDIRECT_ORIGINS")]
    public async Task SettingValue_WithInvalidUtf8_IsRefused_NotA500(string key)
    {
        var answer = await SendRawAsync(HttpMethod.Put, $"/v1/project/settings/{key}", [.. "{\"value\":\"tr"u8, 0xFF, .. "ue\"}"u8]);

        Assert.That(answer.Status, Is.AnyOf(400, 422), answer.ToString());
    }

    /// <summary>Lone surrogates in plain string fields are refused by the JSON binder (no 2xx, no 5xx).</summary>
    [Test]
    public async Task CredentialFields_WithALoneSurrogate_AreRefused()
    {
        var answer = await SendRawAsync(HttpMethod.Put, "/v1/wearables/polar/credentials", Encoding.ASCII.GetBytes("{\"clientId\":\"\\uD800abcd\",\"clientSecret\":\"secret\"}"));
        var status = await admin.SendAsync(HttpMethod.Get, "/v1/wearables/polar/credentials");

        Assert.Multiple(() =>
        {
            Assert.That(answer.Status, Is.AnyOf(400, 422), answer.ToString());
            Assert.That(status.Body, Does.Contain("\"configured\":false"), "nothing stored");
        });
    }

    /// <summary>
    /// Invalid UTF-8 makes a body malformed JSON (RFC 8259 §8.1: JSON text is UTF-8), which the spec answers
    /// with 400. System.Text.Json only checks UTF-8 where it decodes: the name of an unknown property is
    /// skipped undecoded, so this body is bound as if the property were not there and the credentials are stored.
    /// </summary>
    [Test]
    public async Task Credentials_WithInvalidUtf8InAnUnknownPropertyName_AreRefusedAsMalformed()
    {
        byte[] body = [.. "{\"clientId\":\"abcd1234\",\"clientSecret\":\"s3cret\",\""u8, 0xFF, 0xFE, .. "x\":1}"u8];
        var answer = await SendRawAsync(HttpMethod.Put, "/v1/wearables/strava/credentials", body);
        var status = await admin.SendAsync(HttpMethod.Get, "/v1/wearables/strava/credentials");

        Assert.Multiple(() =>
        {
            Assert.That(answer.Status, Is.EqualTo(400), answer.ToString());
            Assert.That(status.Body, Does.Not.Contain("\"clientIdLast4\":\"1234\""), "the credentials from the malformed body were not stored");
        });
    }

    /// <summary>
    /// A FHIR id is <c>[A-Za-z0-9\-\.]{1,64}</c>. <c>Identifiers.FhirId()</c> anchors the pattern with
    /// <c>^…$</c>, and in .NET <c>$</c> also matches before a final "\n": "pat-1\n" passes as a FHIR id.
    /// </summary>
    [Test]
    public async Task PatientKey_WithATrailingNewlineInThePatientId_IsRefused()
    {
        var answer = await admin.SendAsync(HttpMethod.Post, "/v1/api-keys", new { name = "newline", role = "patient", patientId = "pat-1\n" });
        var keys = await admin.SendAsync(HttpMethod.Get, "/v1/api-keys");

        Assert.Multiple(() =>
        {
            Assert.That((answer.Status, answer.Error), Is.EqualTo((422, "patient_id_invalid")), answer.ToString());
            Assert.That(keys.Body, Does.Not.Contain("newline"), "no key was stored");
        });
    }

    [Test]
    public async Task Connect_WithATrailingNewlineInThePatientId_IsRefused()
    {
        var answer = await admin.SendAsync(HttpMethod.Post, "/v1/wearables/strava/connect", new { patientId = "pat-1\n" });

        Assert.That((answer.Status, answer.Error), Is.EqualTo((422, "patient_id_invalid")), answer.ToString());
    }

    /// <summary>
    /// MVC's default value providers include the jQuery form provider: for any request with a form content
    /// type it reads the body as form fields and normalizes jQuery-style keys; a key like "[[[[" makes it
    /// throw ArgumentException ("invalid JQuery syntax"): a 500 for every action that binds anything. The
    /// OAuth callback needs no credentials, so anyone can produce these 500s (and error log lines).
    /// </summary>
    [TestCase("GET", "/v1/wearables/strava/callback?state=abc&code=def", true)]
    [TestCase("GET", "/v1/wearables/strava/credentials", false)]
    [TestCase("GET", "/v1/project/settings", false)]
    [TestCase("GET", "/v1/api-keys", false)]
    [TestCase("DELETE", "/v1/api-keys/wk_doesnotx", false)]
    [TestCase("GET", "/api/v1/users/pat-1/connections", false)]
    [TestCase("POST", "/v1/wearables/strava/connect", false)]
    public async Task AnyEndpoint_WithAFormContentTypeAndAJQueryLikeKey_IsNot500(string method, string path, bool anonymous)
    {
        // The service logs only the exception's type: catch where it is thrown, to say where in the report.
        var thrown = new System.Collections.Concurrent.ConcurrentQueue<string>();
        void OnFirstChance(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (e.Exception is ArgumentException)
            {
                thrown.Enqueue(e.Exception.GetType().Name + ": " + e.Exception.Message + "\n" + e.Exception.StackTrace);
            }
        }

        AppDomain.CurrentDomain.FirstChanceException += OnFirstChance;
        Answer answer;
        try
        {
            answer = await SendRawAsync(new HttpMethod(method), path, "[[[["u8.ToArray(), "application/x-www-form-urlencoded", anonymous);
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= OnFirstChance;
        }

        Assert.That(answer.Status, Is.LessThan(500), answer + "\nthrown: " + string.Join("\n---\n", thrown.Take(1)));
    }

    private async Task<Answer> SendRawAsync(HttpMethod method, string path, byte[] body, string contentType = "application/json", bool anonymous = false)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var anonymousClient = service.Client();
        using var response = await (anonymous ? anonymousClient : admin).SendAsync(request);
        return await Answer.ReadAsync(response);
    }
}
