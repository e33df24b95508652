using System.Diagnostics;
using Wearables.TestSupport;

namespace Wearables.Connections.Tests.Repositories;

/// <summary>
/// The test FHIR engine's index of identifier and <c>_tag</c> tokens (tests/fhir-server/repository.mjs) answers
/// exactly what Medplum's full scan answers: its property test (index.test.mjs) run with Node's test runner.
/// </summary>
[TestFixture]
public sealed class FhirEngineIndexTests
{
    [Test]
    public async Task IndexedSearches_AnswerWhatTheFullScanAnswers()
    {
        var directory = Path.Combine(RepositoryRoot.Path, "tests", "fhir-server");
        using var node = Process.Start(new ProcessStartInfo("node", ["--test", "index.test.mjs"])
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var output = node.StandardOutput.ReadToEndAsync();
        var errors = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await node.WaitForExitAsync(timeout.Token);

        var text = await output + await errors;
        Assert.Multiple(() =>
        {
            Assert.That(node.ExitCode, Is.Zero, text);
            Assert.That(text, Does.Contain("# pass 2").And.Contain("# fail 0"), text);
        });
    }
}
