using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace Wearables.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The common test host on real Kestrel, on a loopback port of its own, so that a real browser and
/// real provider redirects reach it; its own URL is <c>Wearables:PublicBaseUrl</c>. Its
/// <see cref="TimeProvider"/> is a <see cref="FakeTimeProvider"/> starting at the real now (<see cref="Clock"/>).
/// </summary>
public sealed class ServiceHost : WearablesServiceFactory
{
    /// <summary>
    /// A request header that sets the peer address the service sees (on real Kestrel every test
    /// client is loopback): how tests act as several clients, or as a proxy. Applied before the
    /// service's own pipeline, so the service treats it exactly as the TCP peer.
    /// </summary>
    public const string PeerAddressHeader = "X-Test-Peer-Address";

    private readonly Action<IServiceCollection>? testServices;

    private ServiceHost(WearablesServiceOptions options, int port, Action<IServiceCollection>? testServices)
        : base(options)
    {
        this.testServices = testServices;
        Port = port;
        BaseUrl = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        UseKestrel(k => k.Listen(IPAddress.Loopback, port));
    }

    public int Port { get; }

    /// <summary>The service's own origin, also its <c>Wearables:PublicBaseUrl</c> (no trailing slash).</summary>
    public Uri BaseUrl { get; }

    /// <summary>The service's clock: starts at the real now and moves only when a test advances it.</summary>
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>Starts the service on a free loopback port (trying another if that port was taken meanwhile).</summary>
    /// <param name="testServices">Replacements in the service's container (e.g. a store decorator), after its own.</param>
    public static async Task<ServiceHost> StartAsync(WearablesServiceOptions options, Action<IServiceCollection>? testServices = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        for (var attempt = 1; ; attempt++)
        {
            var host = new ServiceHost(options, FreePort.Next(), testServices);
            try
            {
                host.StartServer();
                return host;
            }
            catch (Exception ex) when (attempt < 3 && IsAddressInUse(ex))
            {
                await host.DisposeAsync();
            }
            catch
            {
                await host.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>
    /// Awaits <paramref name="work"/> while moving the fake clock forward, for code that waits on
    /// the service's <see cref="TimeProvider"/> (e.g. the retry delays when storing a connection).
    /// </summary>
    public async Task<T> AdvanceClockUntilDoneAsync<T>(Task<T> work, TimeSpan step)
    {
        ArgumentNullException.ThrowIfNull(work);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!work.IsCompleted && DateTime.UtcNow < deadline)
        {
            await Task.WhenAny(work, Task.Delay(25));
            Clock.Advance(step);
        }

        return await work;
    }

    protected override IEnumerable<KeyValuePair<string, string?>> InstanceSettings() =>
        [new("Wearables:PublicBaseUrl", BaseUrl.ToString().TrimEnd('/'))];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Clock);
            services.AddTransient<IStartupFilter, PeerAddressFilter>();
            testServices?.Invoke(services);
        });
    }

    private sealed class PeerAddressFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (context.Request.Headers.TryGetValue(PeerAddressHeader, out var value) && IPAddress.TryParse(value.ToString(), out var peer))
                {
                    context.Connection.RemoteIpAddress = peer;
                    context.Request.Headers.Remove(PeerAddressHeader);
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }

    private static bool IsAddressInUse(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
