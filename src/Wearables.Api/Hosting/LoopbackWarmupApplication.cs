using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Wearables.Application.Common;

namespace Wearables.Api.Hosting;

/// <summary>
/// The service's pipeline as the warm-up's own loopback listener serves it (<see cref="WarmingServer"/>): only a request
/// that carries one of this start's two random passes in <see cref="PassHeader"/> reaches the pipeline, as the stranger
/// or as the made-up admin, from <see cref="WarmingServer.Address"/>, in a warm-up scope, outside the request metric.
/// Any other request on that port is answered 404 without reaching the pipeline.
/// </summary>
public sealed class LoopbackWarmupApplication<TContext>(IHttpApplication<TContext> inner, string project, ClaimsPrincipal admin)
    : IHttpApplication<LoopbackWarmupApplication<TContext>.Context>
    where TContext : notnull
{
    public const string PassHeader = "Wearables-Warmup-Pass";

    private readonly byte[] strangerPass = NewPass();
    private readonly byte[] adminPass = NewPass();
    private int served;
    private int refused;

    /// <summary>The header value of a stranger's request.</summary>
    public string StrangerPass => Encoding.ASCII.GetString(strangerPass);

    /// <summary>The header value of the made-up admin's request.</summary>
    public string AdminPass => Encoding.ASCII.GetString(adminPass);

    /// <summary>Requests that reached the pipeline.</summary>
    public int Served => Volatile.Read(ref served);

    /// <summary>Requests the gate answered 404 without the pipeline.</summary>
    public int Refused => Volatile.Read(ref refused);

    public Context CreateContext(IFeatureCollection contextFeatures)
    {
        ArgumentNullException.ThrowIfNull(contextFeatures);
        var request = contextFeatures.GetRequiredFeature<IHttpRequestFeature>();
        var pass = request.Headers.TryGetValue(PassHeader, out var values) && values.Count == 1 ? Encoding.ASCII.GetBytes(values.ToString()) : [];
        request.Headers.Remove(PassHeader);
        var asAdmin = CryptographicOperations.FixedTimeEquals(pass, adminPass);
        if (!asAdmin && !CryptographicOperations.FixedTimeEquals(pass, strangerPass))
        {
            return new Context(contextFeatures, default, false);
        }

        if (contextFeatures.Get<IHttpConnectionFeature>() is { } connection)
        {
            connection.RemoteIpAddress = WarmingServer.Address;
        }

        if (asAdmin)
        {
            contextFeatures.Set<IHttpAuthenticationFeature>(new HttpAuthenticationFeature { User = admin });
        }

        var context = inner.CreateContext(contextFeatures);
        if (contextFeatures.Get<IHttpMetricsTagsFeature>() is { } metrics)
        {
            metrics.MetricsDisabled = true;
        }

        return new Context(contextFeatures, context, true);
    }

    public async Task ProcessRequestAsync(Context context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.Admitted)
        {
            Interlocked.Increment(ref refused);
            context.Features.GetRequiredFeature<IHttpResponseFeature>().StatusCode = 404;
            return;
        }

        Interlocked.Increment(ref served);
        using var scope = WarmupScope.Enter(project);
        await inner.ProcessRequestAsync(context.Inner!).ConfigureAwait(false);
    }

    public void DisposeContext(Context context, Exception? exception)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Admitted)
        {
            inner.DisposeContext(context.Inner!, exception);
        }
    }

    private static byte[] NewPass() => Encoding.ASCII.GetBytes(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));

    /// <summary>One request on the loopback listener: the pipeline's context when the gate let it through.</summary>
    public sealed class Context(IFeatureCollection features, TContext? inner, bool admitted)
    {
        public IFeatureCollection Features { get; } = features;

        public TContext? Inner { get; } = inner;

        public bool Admitted { get; } = admitted;
    }
}
