using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Moq;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Credentials.Commands.DeleteCredentials;
using Wearables.Application.Providers;
using Wearables.Application.Tests.Pipeline;

namespace Wearables.Application.Tests.Providers;

/// <summary>The provider a request names is looked up once per request, by one owner of the rule.</summary>
public sealed class RequestedProviderTests
{
    private PipelineHarness harness = null!;

    [SetUp]
    public void CreateHarness() => harness = new PipelineHarness();

    [TearDown]
    public void DisposeHarness() => harness.Dispose();

    [Test]
    public async Task AProviderRequest_LooksTheProviderUpOnce()
    {
        await harness.SendAsync(new DeleteCredentialsCommand("strava"));

        harness.Catalog.Verify(c => c.TryGet(It.IsAny<string?>(), out It.Ref<ProviderDescriptor>.IsAny), Times.Once);
    }

    [Test]
    public async Task AProviderResolvedAtTheEdge_IsNotLookedUpAgainByThePipeline()
    {
        await using var scope = harness.Provider.CreateAsyncScope();
        var requested = scope.ServiceProvider.GetRequiredService<RequestedProvider>();

        var resolved = requested.Resolve("strava");
        await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new DeleteCredentialsCommand("strava"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(resolved, Is.SameAs(PipelineHarness.Strava));
            Assert.That(requested.Descriptor, Is.SameAs(PipelineHarness.Strava));
        }

        harness.Catalog.Verify(c => c.TryGet(It.IsAny<string?>(), out It.Ref<ProviderDescriptor>.IsAny), Times.Once);
    }

    [Test]
    public void Resolve_OfASlugTheCatalogDoesNotKnow_IsTheUnknownProvider404()
    {
        using var scope = harness.Provider.CreateScope();

        var ex = Assert.Throws<NotFoundException>(() => scope.ServiceProvider.GetRequiredService<RequestedProvider>().Resolve("fitbitz"));

        Assert.That(ex.Error, Is.EqualTo("provider_not_found"));
    }

    [Test]
    public void Descriptor_WhenNothingResolvedIt_Throws()
    {
        using var scope = harness.Provider.CreateScope();

        Assert.Throws<InvalidOperationException>(() => _ = scope.ServiceProvider.GetRequiredService<RequestedProvider>().Descriptor);
    }
}
