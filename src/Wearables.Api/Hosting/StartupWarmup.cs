using System.Diagnostics;
using System.Text.Json;
using AutoMapper;
using FluentValidation;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Wearables.Application.Common.Interfaces;
using Wearables.Application.Connections;
using Wearables.Domain.Connections;
using Wearables.Infrastructure.Connections;

namespace Wearables.Api.Hosting;

/// <summary>
/// First-use work done at start, before the server listens (<see cref="IHostedLifecycleService.StartingAsync"/>
/// runs before any hosted service starts, Kestrel's included), so that the first requests do not pay for it
/// while they queue: MVC's action discovery and endpoints, every validator's rules, AutoMapper's compiled
/// maps, the Firely model and (de)serializers, the state MAC and hashes, the JSON metadata of the hot answers,
/// and one health probe of each store (the Redis connection, the FHIR server, the SQLite file: reads only).
/// It writes nothing and calls no provider. Bounded by <c>Wearables:Warmup:TimeoutSeconds</c>: past it, start
/// goes on and the rest runs on; <c>/health/ready</c> stays unhealthy until the warm-up has ended
/// (<see cref="WarmupHealthCheck"/>). 0 turns it off (ready at once).
/// </summary>
public sealed partial class StartupWarmup(IServiceProvider services, IOptions<ApiOptions> options, ILogger<StartupWarmup> logger) : IHostedLifecycleService
{
    private static readonly TimeSpan ProbeLimit = TimeSpan.FromSeconds(2);

    private readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>True once the warm-up has run (or was turned off).</summary>
    public bool Finished => done.Task.IsCompleted;

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var limit = TimeSpan.FromSeconds(Math.Max(0, options.Value.Warmup.TimeoutSeconds));
        if (limit == TimeSpan.Zero)
        {
            done.TrySetResult();
            return;
        }

        var clock = Stopwatch.StartNew();
        var work = Task.Run(() => RunAsync(cancellationToken), cancellationToken);
        _ = work.ContinueWith(t =>
        {
            if (t.Exception is { } failure)
            {
                // A step that failed (a store down at start) is no reason not to start: readiness reports the stores.
                LogStepFailed(logger, failure.InnerException?.GetType().Name ?? failure.GetType().Name);
            }

            LogFinished(logger, (long)clock.Elapsed.TotalMilliseconds);
            done.TrySetResult();
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await work.WaitAsync(limit, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogOverTime(logger, (int)limit.TotalSeconds);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Logged by the continuation above.
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        // Routing and MVC: the application model, action descriptors and endpoints are built on first use.
        _ = services.GetRequiredService<IActionDescriptorCollectionProvider>().ActionDescriptors.Items.Count;
        foreach (var source in services.GetServices<EndpointDataSource>())
        {
            _ = source.Endpoints.Count;
        }

        // Validators are singletons whose constructors compile their rules' expressions.
        foreach (var type in typeof(Application.DependencyInjection).Assembly.GetTypes())
        {
            if (!type.IsAbstract && type.BaseType is { IsGenericType: true } baseType && baseType.GetGenericTypeDefinition() == typeof(AbstractValidator<>))
            {
                _ = services.GetService(typeof(IValidator<>).MakeGenericType(baseType.GetGenericArguments()[0]));
            }
        }

        services.GetRequiredService<IMapper>().ConfigurationProvider.CompileMappings();

        // Firely: the model inspector and the (de)serializers, through the codec both stores use. In memory only.
        var sample = Connection.Create("warm-up", "warm-up", "strava", ConnectionSource.OAuth, DateTimeOffset.UnixEpoch);
        var codec = services.GetRequiredService<EndpointCodec>();
        _ = EndpointCodec.Decode(codec.Encode(sample, "warm-up"), null);

        // States: the key derivation, the MAC and the hash (nothing stored).
        var keys = services.GetRequiredService<IOAuthStateKeys>();
        var state = OAuthState.NewToken(keys);
        _ = OAuthState.IsOurs(state, keys) && OAuthState.Hash(state).Length > 0;
        _ = PkceVerifiers.ChallengeOf(PkceVerifiers.NewVerifier());

        // The JSON metadata of the hot answers, with MVC's own options.
        var json = services.GetRequiredService<IOptions<Microsoft.AspNetCore.Mvc.JsonOptions>>().Value.JsonSerializerOptions;
        _ = JsonSerializer.SerializeToUtf8Bytes(new Controllers.ConnectResponse { Provider = "strava", AuthorizationUrl = "https://warm-up.invalid/", State = state }, json);
        _ = JsonSerializer.SerializeToUtf8Bytes(new Errors.ApiProblem { Type = "about:blank", Title = "Warm-up", Status = 400, Detail = "-", Error = "warm_up", Message = "-" }, json);

        // Each store's health probe: a Redis PING (connecting the multiplexer), the FHIR server's metadata, SQLite.
        // Bounded on its own: a store down at start is readiness's to report, not a reason to wait.
        using var probes = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        probes.CancelAfter(ProbeLimit);
        try
        {
            await Task.WhenAll(services.GetServices<IStoreHealth>().Select(store => store.IsHealthyAsync(probes.Token))).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Information, "Start-up warm-up finished after {ElapsedMs} ms")]
    private static partial void LogFinished(ILogger logger, long elapsedMs);

    [LoggerMessage(LogLevel.Warning, "Start-up warm-up still running after {Seconds} s: starting anyway, not ready until it ends")]
    private static partial void LogOverTime(ILogger logger, int seconds);

    [LoggerMessage(LogLevel.Warning, "A start-up warm-up step failed ({ExceptionType}); starting anyway")]
    private static partial void LogStepFailed(ILogger logger, string exceptionType);
}

/// <summary>Not ready while the start-up warm-up runs (<see cref="StartupWarmup"/>).</summary>
public sealed class WarmupHealthCheck(StartupWarmup warmup) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(warmup.Finished ? HealthCheckResult.Healthy("warmed up") : HealthCheckResult.Unhealthy("warming up"));
}

/// <summary><c>Wearables:Warmup</c>.</summary>
public sealed class WarmupOptions
{
    /// <summary>How long start waits for the warm-up before the server listens anyway; 0: no warm-up.</summary>
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// How long the server may spend, before it listens, sending its warm-up requests through its own pipeline
    /// (<see cref="WarmingServer"/>); 0: none.
    /// </summary>
    public int RequestSeconds { get; set; } = 5;
}
