using System.Diagnostics;
using System.Text;

namespace Wearables.TestSupport;

/// <summary>A real server started as a child process for tests, killed (with its children) on dispose.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private ServerProcess(Process process) => this.process = process;

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public bool HasExited => process.HasExited;

    /// <summary>Starts <paramref name="fileName"/>; <paramref name="onLine"/> sees every stdout/stderr line.</summary>
    public static ServerProcess Start(string fileName, IEnumerable<string> arguments, string? workingDirectory = null, Action<string>? onLine = null)
    {
        // Run under a small shell that kills the server when our stdin closes, i.e. when the test
        // host dies without disposing us (vstest may kill it): no orphaned servers after a run.
        var info = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepositoryRoot.Path,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("\"$@\" </dev/null & child=$!; trap 'kill $child 2>/dev/null; exit 0' TERM INT; cat >/dev/null; kill $child 2>/dev/null; wait $child");
        info.ArgumentList.Add("sh");
        info.ArgumentList.Add(fileName);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var server = new ServerProcess(process);
        void Handle(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (server.output)
            {
                server.output.AppendLine(line);
            }

            onLine?.Invoke(line);
        }

        process.OutputDataReceived += (_, e) => Handle(e.Data);
        process.ErrorDataReceived += (_, e) => Handle(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {fileName}.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>
    /// Waits until <c>GET /health/live</c> through <paramref name="client"/> answers 200: fails the test (with the
    /// server's output) when the server exits first or <paramref name="limit"/> (default 60 s) passes.
    /// </summary>
    public async Task WaitUntilLiveAsync(HttpClient client, TimeSpan? limit = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            try
            {
                using var live = await client.GetAsync(new Uri("/health/live", UriKind.Relative)).ConfigureAwait(false);
                if (live.StatusCode == System.Net.HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline && !HasExited)
            {
            }

            NUnit.Framework.Assert.That(DateTime.UtcNow < deadline && !HasExited, NUnit.Framework.Is.True, "the service started: " + Output);
            await Task.Delay(200).ConfigureAwait(false);
        }
    }

    public async Task StopAsync()
    {
        if (process.HasExited)
        {
            return;
        }

        // Closing stdin makes the wrapper stop the server and exit by itself. Kill(entireProcessTree)
        // first SIGSTOPs the wrapper, then kills: a test host ended in between (vstest ends it soon
        // after the run, while ProcessExit hooks still stop shared servers) leaves a stopped wrapper
        // that never cleans up and a server still answering on its port.
        try
        {
            process.StandardInput.Close();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            return;
        }
        catch (Exception ex) when (ex is IOException or TimeoutException)
        {
            // A server that ignores SIGTERM: killed below.
        }

        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        process.Dispose();
    }
}
