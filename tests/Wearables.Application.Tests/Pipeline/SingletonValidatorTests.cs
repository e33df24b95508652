using FluentValidation;
using MediatR;
using Microsoft.Extensions.DependencyInjection;
using Moq;
using Wearables.Application.Common.Exceptions;
using Wearables.Application.Common.Interfaces;
using Wearables.Application.Common.Security;
using Wearables.Application.Common.Validation;
using Wearables.Application.Connections.Commands.StartConnect;
using Wearables.Domain.Security;

namespace Wearables.Application.Tests.Pipeline;

/// <summary>
/// Validators are singletons (their rules are built once), so nothing of one request may stick to
/// them: each request's rules read that request's caller and per-request caches.
/// </summary>
public sealed class SingletonValidatorTests
{
    private const string EnabledProject = "proj-on";
    private const string OtherProject = "proj-off";

    [Test]
    public void EveryValidator_IsRegisteredAsASingleton()
    {
        using var harness = new PipelineHarness();

        var validators = harness.Services.Where(d => d.ServiceType.IsGenericType && d.ServiceType.GetGenericTypeDefinition() == typeof(IValidator<>)).ToList();

        Assert.That(validators, Is.Not.Empty);
        Assert.That(validators.Where(d => d.Lifetime != ServiceLifetime.Singleton).Select(d => d.ImplementationType!.Name), Is.Empty);
    }

    [Test]
    public async Task TwoRequestsAtOnce_FromDifferentProjects_EachValidatesWithItsOwnCaller()
    {
        using var harness = new PipelineHarness();
        // A caller per scope, as in the service (the harness's default is one shared mock).
        CallerIdentity next = null!;
        harness.Services.AddScoped<ICallerContext>(_ => Mock.Of<ICallerContext>(c => c.Caller == next));
        var enabledRead = new TaskCompletionSource();
        var release = new TaskCompletionSource<IReadOnlyDictionary<string, string>>();
        harness.SettingsStore.Setup(s => s.GetAllAsync(EnabledProject, It.IsAny<CancellationToken>()))
            .Returns(() =>
            {
                enabledRead.TrySetResult();
                return release.Task;
            });

        next = new CallerIdentity(EnabledProject, Role.Admin, null, "wk_admin_on");
        var first = SendInOwnScopeAsync(harness, new StartConnectCommand("strava", "patient-1", null));
        await enabledRead.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // While the first request is inside the validator, a request of another project runs through it.
        next = new CallerIdentity(OtherProject, Role.Admin, null, "wk_admin_off");
        var other = await Assert.ThrowsAsync<RequestValidationException>(() => SendInOwnScopeAsync(harness, new StartConnectCommand("strava", "patient-1", null)).WaitAsync(TimeSpan.FromSeconds(10)));

        release.SetResult(new Dictionary<string, string> { ["WEARABLE_STRAVA_ENABLED"] = "true" });
        var firstOutcome = await CatchAsync(first);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(other.Error, Is.EqualTo("provider_disabled"));
            // The first project is enabled: its request gets past that rule, to the next (no credentials on file).
            Assert.That(firstOutcome, Is.TypeOf<RequestValidationException>());
            Assert.That(((RequestValidationException)firstOutcome!).Error, Is.EqualTo("credentials_missing"));
        }

        harness.SecretStore.Verify(s => s.GetAsync(EnabledProject, "strava", It.IsAny<CancellationToken>()), Times.Once);
        harness.SecretStore.Verify(s => s.GetAsync(OtherProject, It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Test]
    public async Task AValidatorRunOutsideThePipeline_FailsClearly_InsteadOfGuessingACaller()
    {
        using var harness = new PipelineHarness();
        var validator = harness.Provider.GetRequiredService<IValidator<StartConnectCommand>>();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => validator.ValidateAsync(new StartConnectCommand("strava", "patient-1", null)));

        Assert.That(ex.Message, Does.Contain("without request services"));
    }

    [Test]
    public void RequestService_ReadsTheAttachedScope()
    {
        var context = new ValidationContext<string>("x");
        var services = new ServiceCollection().AddSingleton("from the scope").BuildServiceProvider();

        RequestServices.Attach(context, services);

        Assert.That(context.RequestService<string>(), Is.EqualTo("from the scope"));
    }

    private static async Task<TResponse> SendInOwnScopeAsync<TResponse>(PipelineHarness harness, IRequest<TResponse> request)
    {
        await using var scope = harness.Provider.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    private static async Task<Exception?> CatchAsync(Task task)
    {
        try
        {
            await task;
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }
}
