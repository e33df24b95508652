using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using Wearables.Api.Errors;

namespace Wearables.Api.Limits;

/// <summary>
/// Rate limits of the unauthenticated routes, per client address, with the framework's rate limiter:
/// a route takes one by its policy name (<c>[EnableRateLimiting(EdgeLimits.Callback)]</c>, or
/// <c>RequireRateLimiting</c> on a mapped endpoint). A refused request gets 429 problem+json with
/// <c>Retry-After</c>. The client address is the peer's, or the one in <c>X-Forwarded-For</c> when the
/// peer is a configured proxy (<c>Wearables:Limits:TrustedProxies</c>; none by default).
/// </summary>
public static class EdgeLimits
{
    /// <summary>The OAuth callback (<c>GET /v1/wearables/{provider}/callback</c>).</summary>
    public const string Callback = "callback";

    /// <summary>The health endpoints.</summary>
    public const string Health = "health";

    /// <summary>Provider webhooks (<c>/v1/wearables/{provider}/webhooks/{projectId}</c>).</summary>
    public const string Webhook = "webhook";

    public static IServiceCollection AddEdgeLimits(this IServiceCollection services, EdgeLimitsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var proxies = TrustedProxies.Parse(options.TrustedProxies);
        foreach (var (name, permits) in new[] { ("Callback", options.Callback), ("Health", options.Health), ("Webhook", options.Webhook) })
        {
            if (permits.PermitsPerMinute < 1)
            {
                throw new InvalidOperationException($"Wearables:Limits:{name}:PermitsPerMinute must be at least 1.");
            }
        }

        if (options.AuthFailures.PermitLimit < 1 || options.AuthFailures.WindowSeconds < 1)
        {
            throw new InvalidOperationException("Wearables:Limits:AuthFailures:PermitLimit and :WindowSeconds must be at least 1.");
        }

        services.AddSingleton(new AuthFailureThrottle(options.AuthFailures));
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor;

            // Nothing is trusted unless configured (the framework trusts loopback by default).
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var address in proxies.Addresses)
            {
                o.KnownProxies.Add(address);
            }

            foreach (var network in proxies.Networks)
            {
                o.KnownIPNetworks.Add(network);
            }

            // Walk back through every trusted hop; the first untrusted one is the client.
            o.ForwardLimit = null;
        });

        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(Callback, context => PerAddress(context, Callback, options.Callback));
            o.AddPolicy(Health, context => PerAddress(context, Health, options.Health));
            o.AddPolicy(Webhook, context => PerAddress(context, Webhook, options.Webhook));
            o.OnRejected = async (rejected, _) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                var http = rejected.HttpContext;
                http.Response.Headers.RetryAfter = RetryAfterSeconds(retryAfter);
                await ProblemWriter.WriteAsync(http, StatusCodes.Status429TooManyRequests, "rate_limited",
                    "Too many requests from this address; retry after the time in Retry-After.").ConfigureAwait(false);
            };
        });
        return services;
    }

    /// <summary><c>Retry-After</c> in whole seconds, rounded up, at least 1.</summary>
    public static string RetryAfterSeconds(TimeSpan wait) =>
        Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The client's partition: its address (IPv4, or the /64 of an IPv6 address, which one client
    /// usually holds whole), after the forwarded-headers middleware has put the client there.
    /// </summary>
    public static string ClientPartition(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            address = new IPAddress(bytes);
        }

        return address.ToString();
    }

    private static RateLimitPartition<string> PerAddress(HttpContext context, string policy, RoutePermits permits) =>
        RateLimitPartition.GetFixedWindowLimiter(policy + "|" + ClientPartition(context), _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits.PermitsPerMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
}

/// <summary><c>Wearables:Limits:*</c> as the HTTP edge reads them (the state bounds: <c>StateLimitsOptions</c>).</summary>
public sealed class EdgeLimitsOptions
{
    /// <summary><c>Wearables:Limits:TrustedProxies</c>: addresses or CIDR networks whose <c>X-Forwarded-For</c> is believed. Empty by default.</summary>
    public string[] TrustedProxies { get; set; } = [];

    /// <summary><c>Wearables:Limits:Callback:PermitsPerMinute</c>.</summary>
    public RoutePermits Callback { get; set; } = new() { PermitsPerMinute = 60 };

    /// <summary><c>Wearables:Limits:Health:PermitsPerMinute</c>.</summary>
    public RoutePermits Health { get; set; } = new() { PermitsPerMinute = 120 };

    /// <summary><c>Wearables:Limits:Webhook:PermitsPerMinute</c>.</summary>
    public RoutePermits Webhook { get; set; } = new() { PermitsPerMinute = 1200 };

    /// <summary><c>Wearables:Limits:AuthFailures:PermitLimit</c> and <c>:WindowSeconds</c>.</summary>
    public AuthFailureOptions AuthFailures { get; set; } = new();
}

public sealed class RoutePermits
{
    /// <summary>Requests per client address and minute (a fixed window), at least 1.</summary>
    public int PermitsPerMinute { get; set; }
}

/// <summary>The parsed <c>Wearables:Limits:TrustedProxies</c>; a value that is neither an address nor a CIDR network stops the start.</summary>
public sealed record TrustedProxies(IReadOnlyList<IPAddress> Addresses, IReadOnlyList<System.Net.IPNetwork> Networks)
{
    public static TrustedProxies Parse(IEnumerable<string>? values)
    {
        var addresses = new List<IPAddress>();
        var networks = new List<System.Net.IPNetwork>();
        foreach (var raw in values ?? [])
        {
            var value = raw.Trim();
            if (value.Length == 0)
            {
                continue;
            }

            if (value.Contains('/', StringComparison.Ordinal) && System.Net.IPNetwork.TryParse(value, out var network))
            {
                networks.Add(network);
            }
            else if (IPAddress.TryParse(value, out var address))
            {
                addresses.Add(address);
            }
            else
            {
                throw new InvalidOperationException($"Wearables:Limits:TrustedProxies: '{value}' is neither an IP address nor a CIDR network (e.g. 10.0.0.0/8).");
            }
        }

        return new TrustedProxies(addresses, networks);
    }
}
