using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Moq;
using Wearables.Application.ApiKeys;
using Wearables.Application.Common.Behaviors;
using Wearables.Application.Common.Interfaces;
using Wearables.Application.Common.Security;
using Wearables.Application.Credentials;
using Wearables.Application.Providers;
using Wearables.Application.Settings;
using Wearables.Domain.Security;

namespace Wearables.Application.Tests.Pipeline;

/// <summary>
/// The real application container (<c>AddApplication()</c>) with every port mocked, so a test sees
/// exactly which behaviors ran and what reached the stores.
/// </summary>
internal sealed class PipelineHarness : IDisposable
{
    public const string ProjectId = "proj-a";

    public static readonly ProviderDescriptor Strava = new()
    {
        Slug = "strava",
        DisplayName = "Strava",
        AuthorizeUrl = new Uri("https://www.strava.com/oauth/authorize"),
        TokenUrl = new Uri("https://www.strava.com/oauth/token"),
        ApiBaseUrl = new Uri("https://www.strava.com/api/v3"),
        DefaultScopes = ["read"],
    };

    private ServiceProvider? provider;

    public PipelineHarness()
    {
        CallerContext.Setup(c => c.Caller).Returns(() => Caller);

        var unknown = (ProviderDescriptor)null!;
        var strava = Strava;
        Catalog.Setup(c => c.TryGet(It.IsAny<string?>(), out unknown)).Returns(false);
        Catalog.Setup(c => c.TryGet("strava", out strava)).Returns(true);
        Catalog.Setup(c => c.All).Returns([Strava]);

        // An empty project unless a test says otherwise.
        SettingsStore.Setup(s => s.GetAllAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new Dictionary<string, string>());

        Protector.Setup(p => p.Protect(It.IsAny<string>(), It.IsAny<SecretPurpose>()))
            .Returns((string plain, SecretPurpose purpose) => $"sealed:{purpose}:{plain.Length}");

        Services.AddLogging();
        Services.AddSingleton(CallerContext.Object);
        Services.AddSingleton(SecretStore.Object);
        Services.AddSingleton(SettingsStore.Object);
        Services.AddSingleton(ApiKeyStore.Object);
        Services.AddSingleton(Protector.Object);
        Services.AddSingleton(Catalog.Object);
        Services.AddSingleton<TimeProvider>(Time);
        Services.AddSingleton<Wearables.Application.Connections.IOAuthStateKeys>(StateKeys);

        // Configuration the infrastructure registers (Wearables:Junction:*): the operator's defaults, no key.
        Services.AddSingleton(new Wearables.Application.Junction.JunctionEndpoints(new Uri("https://api.tryvital.io"), null, []));

        // Ports a test does not care about (connection repository, provider and Junction clients…)
        // get loose mocks, so new ports do not break the container.
        foreach (var port in typeof(DependencyInjection).Assembly.GetExportedTypes()
                     .Where(t => t is { IsInterface: true, IsGenericType: false } && t.Namespace != typeof(IProviderRequest).Namespace))
        {
            if (!Services.Any(d => d.ServiceType == port))
            {
                Services.AddSingleton(port, ((Mock)Activator.CreateInstance(typeof(Mock<>).MakeGenericType(port))!).Object);
            }
        }

        Services.AddApplication();
    }

    /// <summary>The MAC keys of OAuth states: real ones, so that minted states check and made-up ones do not.</summary>
    public static TestStateKeys StateKeys { get; } = new();

    public CallerIdentity Caller { get; set; } = new(ProjectId, Role.Admin, null, "wk_admin001");

    public ServiceCollection Services { get; } = new();

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero));

    public Mock<ICallerContext> CallerContext { get; } = new();

    public Mock<IProjectSecretStore> SecretStore { get; } = new();

    public Mock<IProjectSettingsStore> SettingsStore { get; } = new();

    public Mock<IApiKeyStore> ApiKeyStore { get; } = new();

    public Mock<ISecretProtector> Protector { get; } = new();

    public Mock<IProviderCatalog> Catalog { get; } = new();

    public ServiceProvider Provider => provider ??= Services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });

    /// <summary>Makes the protector open every envelope, to what <paramref name="open"/> says it holds.</summary>
    public void ProtectorOpens(Func<string, string> open) =>
        Protector.Setup(p => p.TryUnprotect(It.IsAny<string>(), It.IsAny<SecretPurpose>(), out It.Ref<string>.IsAny))
            .Returns(new TryUnprotectCallback((string envelope, SecretPurpose _, out string plain) =>
            {
                plain = open(envelope);
                return true;
            }));

    /// <summary>Sends through a fresh scope, as one HTTP request would.</summary>
    public async Task<TResponse> SendAsync<TResponse>(IRequest<TResponse> request)
    {
        await using var scope = Provider.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    public void Dispose() => provider?.Dispose();

    private delegate bool TryUnprotectCallback(string envelope, SecretPurpose purpose, out string plaintext);
}

/// <summary>A fixed random OAuth state key (see <see cref="Wearables.Application.Connections.OAuthState"/>).</summary>
internal sealed class TestStateKeys : Wearables.Application.Connections.IOAuthStateKeys
{
    public byte[] Active { get; } = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);

    public IReadOnlyList<byte[]> All => [Active];
}
