using Microsoft.Extensions.Logging;

namespace Wearables.Api.Tests.Infrastructure;

/// <summary>The log checks are only as good as the capture: it must see state, scopes and exceptions.</summary>
public sealed class LogCaptureTests
{
    private static readonly Func<ILogger, string, IDisposable?> PlainScope = LoggerMessage.DefineScope<string>("plain scope {Name}");
    private static readonly Action<ILogger, string, int, Exception?> Hello = LoggerMessage.Define<string, int>(LogLevel.Warning, new EventId(1), "Hello {Who} at {Count}");

    [Test]
    public void Capture_RecordsMessageStateScopesAndException()
    {
        var capture = new LogCapture();
        using (var factory = LoggerFactory.Create(b => b.AddProvider(capture).SetMinimumLevel(LogLevel.Trace)))
        {
            var logger = factory.CreateLogger("Probe");
            using (logger.BeginScope(new Dictionary<string, object> { ["ScopeValue"] = "in-scope-42" }))
            using (PlainScope(logger, "scoped-name"))
            {
                Hello(logger, "state-value", 7, new InvalidOperationException("boom-message"));
            }
        }

        var entry = capture.Entries.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(entry.Category, Is.EqualTo("Probe"));
            Assert.That(entry.Level, Is.EqualTo(LogLevel.Warning));
            Assert.That(entry.Message, Is.EqualTo("Hello state-value at 7"));
            Assert.That(entry["Who"], Is.EqualTo("state-value"));
            Assert.That(entry["Count"], Is.EqualTo("7"));
            Assert.That(entry["ScopeValue"], Is.EqualTo("in-scope-42"));
            Assert.That(entry["Name"], Is.EqualTo("scoped-name"));
            Assert.That(entry.Exception, Does.Contain("boom-message"));
            Assert.That(entry.AllText, Does.Contain("in-scope-42").And.Contain("scoped-name").And.Contain("boom-message").And.Contain("{Who}"));
        }
    }
}
