using System.Text.RegularExpressions;

namespace Wearables.TestSupport;

/// <summary>
/// The real FHIR engine of the tests (Medplum's router and validator behind a small Node front,
/// <c>tests/fhir-server</c>) started as a child process on a free loopback port.
/// </summary>
public sealed partial class FhirServer : IAsyncDisposable
{
    private static readonly SemaphoreSlim SharedLock = new(1, 1);
    private static FhirServer? shared;
    private readonly ServerProcess process;

    private FhirServer(ServerProcess process, Uri baseUrl)
    {
        this.process = process;
        BaseUrl = baseUrl;
    }

    /// <summary>The FHIR base, e.g. <c>http://127.0.0.1:41234/fhir</c>.</summary>
    public Uri BaseUrl { get; }

    public string Output => process.Output;

    /// <summary>One engine for the whole test run (tests isolate themselves by project id).</summary>
    public static async Task<FhirServer> SharedAsync()
    {
        await SharedLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (shared is null || shared.process.HasExited)
            {
                shared = await StartNewAsync().ConfigureAwait(false);
                AppDomain.CurrentDomain.ProcessExit += (_, _) => shared.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            return shared;
        }
        finally
        {
            SharedLock.Release();
        }
    }

    public static async Task<FhirServer> StartNewAsync(int port = 0)
    {
        var directory = Path.Combine(RepositoryRoot.Path, "tests", "fhir-server");
        if (!Directory.Exists(Path.Combine(directory, "node_modules", "@medplum")))
        {
            throw new InvalidOperationException("tests/fhir-server has no node_modules: run `npm ci` there (scripts/test.sh does).");
        }

        var ready = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = ServerProcess.Start("node", ["server.mjs", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)], directory, line =>
        {
            var match = ReadyLine().Match(line);
            if (match.Success)
            {
                ready.TrySetResult(new Uri(match.Groups[1].Value));
            }
        });
        var finished = await Task.WhenAny(ready.Task, Task.Delay(TimeSpan.FromSeconds(60))).ConfigureAwait(false);
        if (finished != ready.Task)
        {
            var output = process.Output;
            await process.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException("The FHIR server did not become ready: " + output);
        }

        return new FhirServer(process, await ready.Task.ConfigureAwait(false));
    }

    public ValueTask DisposeAsync() => process.DisposeAsync();

    [GeneratedRegex(@"FHIR server listening on (http://\S+)")]
    private static partial Regex ReadyLine();
}
