using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Wearables.Api.Hosting;
using Wearables.Application.Common;

namespace Wearables.Api.Tests.Hosting;

/// <summary>
/// The gate of the warm-up's loopback listener: only this start's own requests (one of its two passes) reach the
/// pipeline, as the stranger or the made-up admin, from the warm-up address, in a warm-up scope, outside the metric.
/// </summary>
public sealed class LoopbackWarmupApplicationTests
{
    private const string Project = "warm-up.0123456789abcdef0123456789abcdef";

    private static readonly ClaimsPrincipal Admin = new(new ClaimsIdentity([new Claim("project", Project)], "warm-up"));

    [Test]
    public async Task StrangersPass_ReachesThePipeline_FromTheWarmupAddress_InAScope_WithoutTheHeaderOrAUser()
    {
        var inner = new RecordingApplication();
        var gate = new LoopbackWarmupApplication<IFeatureCollection>(inner, Project, Admin);

        var (status, features) = await SendAsync(gate, gate.StrangerPass);

        var seen = inner.Seen.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(status, Is.EqualTo(204), "the pipeline's answer");
            Assert.That(seen.Address, Is.EqualTo(WarmingServer.Address));
            Assert.That(seen.HadPassHeader, Is.False, "the pass is taken off before the pipeline");
            Assert.That(seen.User, Is.Null);
            Assert.That(seen.ScopedToProject, Is.True);
            Assert.That(features.Get<IHttpMetricsTagsFeature>()!.MetricsDisabled, Is.True);
            Assert.That(inner.Disposed, Is.EqualTo(1));
            Assert.That((gate.Served, gate.Refused), Is.EqualTo((1, 0)));
            Assert.That(WarmupScope.Active, Is.False, "the scope ends with the request");
        }
    }

    [Test]
    public async Task AdminsPass_ReachesThePipeline_AsTheMadeUpAdmin()
    {
        var inner = new RecordingApplication();
        var gate = new LoopbackWarmupApplication<IFeatureCollection>(inner, Project, Admin);

        var (status, _) = await SendAsync(gate, gate.AdminPass);

        var seen = inner.Seen.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(status, Is.EqualTo(204));
            Assert.That(seen.User, Is.SameAs(Admin));
            Assert.That(seen.Address, Is.EqualTo(WarmingServer.Address));
            Assert.That(seen.ScopedToProject, Is.True);
        }
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("0000000000000000000000000000000000000000000000000000000000000000")]
    public async Task AnyOtherRequest_Is404_WithoutThePipeline(string? pass)
    {
        var inner = new RecordingApplication();
        var gate = new LoopbackWarmupApplication<IFeatureCollection>(inner, Project, Admin);

        var (status, features) = await SendAsync(gate, pass);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(status, Is.EqualTo(404));
            Assert.That(inner.Created, Is.Zero);
            Assert.That(inner.Disposed, Is.Zero);
            Assert.That(features.Get<IHttpAuthenticationFeature>(), Is.Null);
            Assert.That(features.Get<IHttpConnectionFeature>()!.RemoteIpAddress, Is.EqualTo(IPAddress.Loopback), "not taken for the warm-up's address");
            Assert.That((gate.Served, gate.Refused), Is.EqualTo((0, 1)));
        }
    }

    [Test]
    public async Task BothPasses_OrAPassOfAnotherStart_AreRefused()
    {
        var inner = new RecordingApplication();
        var gate = new LoopbackWarmupApplication<IFeatureCollection>(inner, Project, Admin);
        var other = new LoopbackWarmupApplication<IFeatureCollection>(inner, Project, Admin);

        var (twice, _) = await SendAsync(gate, gate.StrangerPass, gate.AdminPass);
        var (otherStart, _) = await SendAsync(gate, other.AdminPass);
        var (prefix, _) = await SendAsync(gate, gate.AdminPass[..^1]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That((twice, otherStart, prefix), Is.EqualTo((404, 404, 404)));
            Assert.That(inner.Created, Is.Zero);
            Assert.That(gate.StrangerPass, Is.Not.EqualTo(gate.AdminPass).And.Match("^[0-9a-f]{64}$"));
            Assert.That(other.AdminPass, Is.Not.EqualTo(gate.AdminPass), "new passes at each start");
        }
    }

    private static async Task<(int Status, IFeatureCollection Features)> SendAsync(LoopbackWarmupApplication<IFeatureCollection> gate, params string?[] passes)
    {
        var features = new FeatureCollection();
        var request = new HttpRequestFeature { Method = "GET", Path = "/health/live" };
        if (passes is not [null])
        {
            request.Headers[LoopbackWarmupApplication<object>.PassHeader] = passes.ToArray();
        }

        features.Set<IHttpRequestFeature>(request);
        features.Set<IHttpResponseFeature>(new HttpResponseFeature());
        features.Set<IHttpConnectionFeature>(new HttpConnectionFeature { RemoteIpAddress = IPAddress.Loopback });
        features.Set<IHttpMetricsTagsFeature>(new MetricsTags());

        var context = gate.CreateContext(features);
        await gate.ProcessRequestAsync(context);
        gate.DisposeContext(context, null);
        return (features.GetRequiredFeature<IHttpResponseFeature>().StatusCode, features);
    }

    private sealed record Seen(IPAddress? Address, bool HadPassHeader, ClaimsPrincipal? User, bool ScopedToProject);

    /// <summary>The pipeline: records what reached it, answers 204.</summary>
    private sealed class RecordingApplication : IHttpApplication<IFeatureCollection>
    {
        public List<Seen> Seen { get; } = [];

        public int Created { get; private set; }

        public int Disposed { get; private set; }

        public IFeatureCollection CreateContext(IFeatureCollection contextFeatures)
        {
            Created++;
            return contextFeatures;
        }

        public Task ProcessRequestAsync(IFeatureCollection context)
        {
            Seen.Add(new Seen(
                context.Get<IHttpConnectionFeature>()!.RemoteIpAddress,
                context.Get<IHttpRequestFeature>()!.Headers.ContainsKey(LoopbackWarmupApplication<object>.PassHeader),
                context.Get<IHttpAuthenticationFeature>()?.User,
                WarmupScope.IsMadeUpProject(Project)));
            context.Get<IHttpResponseFeature>()!.StatusCode = 204;
            return Task.CompletedTask;
        }

        public void DisposeContext(IFeatureCollection context, Exception? exception) => Disposed++;
    }

    private sealed class MetricsTags : IHttpMetricsTagsFeature
    {
        public ICollection<KeyValuePair<string, object?>> Tags { get; } = [];

        public bool MetricsDisabled { get; set; }
    }
}
