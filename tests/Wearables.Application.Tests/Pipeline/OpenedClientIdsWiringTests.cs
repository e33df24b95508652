using Microsoft.Extensions.DependencyInjection;
using Moq;
using Wearables.Application.Common.Interfaces;
using Wearables.Application.Credentials;

namespace Wearables.Application.Tests.Pipeline;

/// <summary>The container gives every request's <see cref="ProjectCredentials"/> the one process-wide <see cref="OpenedClientIds"/>.</summary>
public sealed class OpenedClientIdsWiringTests
{
    [Test]
    public async Task TwoRequests_OpenTheClientIdOnce()
    {
        using var harness = new PipelineHarness();
        harness.SecretStore.Setup(s => s.GetAsync(PipelineHarness.ProjectId, "strava", It.IsAny<CancellationToken>()))
            .ReturnsAsync(new StoredCredentials("sealed:client", "sealed:secret", null, DateTimeOffset.UnixEpoch));
        harness.ProtectorOpens(envelope => envelope["sealed:".Length..]);

        for (var i = 0; i < 2; i++)
        {
            await using var scope = harness.Provider.CreateAsyncScope();
            var credentials = scope.ServiceProvider.GetRequiredService<ProjectCredentials>();
            Assert.That(await credentials.GetClientIdAsync(PipelineHarness.ProjectId, "strava", CancellationToken.None), Is.EqualTo("client"));
        }

        harness.Protector.Verify(p => p.TryUnprotect(It.IsAny<string>(), It.IsAny<SecretPurpose>(), out It.Ref<string>.IsAny), Times.Once);
    }
}
