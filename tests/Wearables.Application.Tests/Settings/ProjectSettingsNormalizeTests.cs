using System.Text.Json;
using Moq;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Providers;
using Wearables.Application.Settings;
using Wearables.Application.Tests.Pipeline;
using Wearables.Domain.Projects;

namespace Wearables.Application.Tests.Settings;

public sealed class ProjectSettingsNormalizeTests
{
    private const string Toggle = "WEARABLE_STRAVA_ENABLED";
    private const string Origins = ProjectSettingKeys.RedirectOrigins;

    [TestCase("true", "true")]
    [TestCase("false", "false")]
    [TestCase("\"true\"", "true")]
    [TestCase("\"false\"", "false")]
    [TestCase("\"TRUE\"", "true")]
    [TestCase("\"False\"", "false")]
    public void Toggle_AcceptsBooleansAndBooleanStrings(string json, string expected)
    {
        Assert.That(ProjectSettings.Normalize(Toggle, Json(json)), Is.EqualTo(expected));
    }

    [TestCase("1")]
    [TestCase("0")]
    [TestCase("\"yes\"")]
    [TestCase("\"1\"")]
    [TestCase("\"\"")]
    [TestCase("\" true\"")]
    [TestCase("null")]
    [TestCase("{\"value\":true}")]
    [TestCase("[true]")]
    public void Toggle_RejectsAnythingElse(string json)
    {
        var ex = Assert.Throws<RequestValidationException>(() => ProjectSettings.Normalize(Toggle, Json(json)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ex.Error, Is.EqualTo("setting_value_invalid"));
            Assert.That(ex.AsBadRequest, Is.False, "a bad setting value is a 422");
            Assert.That(ex.Errors.Keys, Is.EquivalentTo(new[] { "value" }));
        }
    }

    [Test]
    public void Toggle_RejectsAbsentValue()
    {
        Assert.Throws<RequestValidationException>(() => ProjectSettings.Normalize(Toggle, null));
    }

    [TestCase("https://my.dashboard", "https://my.dashboard")]
    [TestCase("https://my.dashboard/", "https://my.dashboard")]
    [TestCase("  https://My.Dashboard  ", "https://my.dashboard")]
    [TestCase("HTTPS://MY.DASHBOARD:8443/", "https://my.dashboard:8443")]
    [TestCase("https://my.dashboard:443", "https://my.dashboard")]
    [TestCase("https://a.example, https://b.example", "https://a.example,https://b.example")]
    [TestCase("https://a.example,https://A.example/,https://a.example", "https://a.example")]
    [TestCase("https://a.example,,https://b.example,", "https://a.example,https://b.example")]
    [TestCase("http://localhost:3000", "http://localhost:3000")]
    [TestCase("http://127.0.0.1:8080/", "http://127.0.0.1:8080")]
    [TestCase("http://[::1]:5000", "http://[::1]:5000")]
    [TestCase("", "")]
    public void Origins_AreTrimmedLowerCasedAndDeduplicated(string input, string expected)
    {
        Assert.That(ProjectSettings.Normalize(Origins, JsonString(input)), Is.EqualTo(expected));
    }

    [TestCase("https://my.dashboard/app")]
    [TestCase("https://my.dashboard/?next=1")]
    [TestCase("https://my.dashboard?x")]
    [TestCase("https://my.dashboard/#frag")]
    [TestCase("https://user:pass@my.dashboard")]
    [TestCase("https://user@my.dashboard")]
    [TestCase("http://my.dashboard")]
    [TestCase("http://10.0.0.5")]
    [TestCase("javascript:alert(1)")]
    [TestCase("data:text/html,hi")]
    [TestCase("ftp://my.dashboard")]
    [TestCase("my.dashboard")]
    [TestCase("//my.dashboard")]
    [TestCase("https://ok.example,https://bad.example/path")]
    [TestCase("https://ok.example\nhttps://other.example")]
    public void Origins_RejectsWhatIsNotAnAllowedOrigin(string input)
    {
        var ex = Assert.Throws<RequestValidationException>(() => ProjectSettings.Normalize(Origins, JsonString(input)));

        Assert.That(ex.Error, Is.EqualTo("setting_value_invalid"));
    }

    [Test]
    public void Origins_AcceptsThirtyTwo_RejectsThirtyThree()
    {
        var thirtyTwo = string.Join(",", Enumerable.Range(1, 32).Select(i => $"https://o{i}.example"));
        var thirtyThree = thirtyTwo + ",https://o33.example";

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ProjectSettings.Normalize(Origins, JsonString(thirtyTwo)).Split(','), Has.Length.EqualTo(32));
            Assert.Throws<RequestValidationException>(() => ProjectSettings.Normalize(Origins, JsonString(thirtyThree)));
        }
    }

    [TestCase("true")]
    [TestCase("null")]
    [TestCase("[\"https://a.example\"]")]
    public void Origins_RejectsNonStringValues(string json)
    {
        Assert.Throws<RequestValidationException>(() => ProjectSettings.Normalize(Origins, Json(json)));
    }

    [Test]
    public void Origins_RejectionMessage_DoesNotEchoAnUnboundedValue()
    {
        var junk = "https://x.example/" + new string('p', 3000);

        var ex = Assert.Throws<RequestValidationException>(() => ProjectSettings.Normalize(Origins, JsonString(junk)));

        Assert.That(ex.Message, Has.Length.LessThan(400));
    }

    [Test]
    public async Task GetAll_FillsDefaultsForEveryKnownKey_AndTypesTheValues()
    {
        var catalog = new Mock<IProviderCatalog>();
        catalog.Setup(c => c.All).Returns([PipelineHarness.Strava, PipelineHarness.Strava with { Slug = "polar" }]);
        var store = new Mock<IProjectSettingsStore>();
        store.Setup(s => s.GetAllAsync("p1", It.IsAny<CancellationToken>()))
            .ReturnsAsync(new Dictionary<string, string> { [Toggle] = "true", ["SOMETHING_ELSE"] = "x" });

        var all = await new ProjectSettings(catalog.Object, store.Object).GetAllAsync("p1", CancellationToken.None);

        Assert.That(all, Is.EquivalentTo(new Dictionary<string, object>
        {
            ["WEARABLE_POLAR_ENABLED"] = false,
            [Toggle] = true,
            [Origins] = string.Empty,
        }));
    }

    private static JsonElement? Json(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }

    private static JsonElement? JsonString(string value) => Json(JsonSerializer.Serialize(value));
}
