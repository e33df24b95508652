using MediatR;
using Microsoft.Extensions.DependencyInjection;

namespace Wearables.Application.Tests.Pipeline;

public sealed class HandlerRegistrationTests
{
    private static readonly Type[] RequestTypes = typeof(DependencyInjection).Assembly.GetTypes()
        .Where(t => t is { IsAbstract: false, IsInterface: false, IsGenericTypeDefinition: false } && ResponseTypeOf(t) is not null)
        .OrderBy(t => t.FullName, StringComparer.Ordinal)
        .ToArray();

    [Test]
    public void ApplicationAssembly_DeclaresRequests()
    {
        // Guards the per-request cases below against passing on an empty list.
        Assert.That(RequestTypes, Has.Length.GreaterThanOrEqualTo(7));
    }

    [TestCaseSource(nameof(RequestTypes))]
    public void EveryRequest_HasExactlyOneRegisteredHandler_ThatTheContainerCanBuild(Type requestType)
    {
        using var harness = new PipelineHarness();
        var handlerType = typeof(IRequestHandler<,>).MakeGenericType(requestType, ResponseTypeOf(requestType)!);

        var registrations = harness.Services.Count(d => d.ServiceType == handlerType);
        using var scope = harness.Provider.CreateScope();
        var handlers = scope.ServiceProvider.GetServices(handlerType).ToList();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(registrations, Is.EqualTo(1), $"{requestType.Name}: registrations of {handlerType.Name}");
            Assert.That(handlers, Has.Count.EqualTo(1), $"{requestType.Name}: resolved handlers");
        }
    }

    [Test]
    public void AddApplication_CalledTwice_RegistersEachHandlerBehaviorAndValidatorOnce()
    {
        using var harness = new PipelineHarness();
        var before = harness.Services.Select(d => (d.ServiceType, d.ImplementationType)).Where(d => d.ImplementationType is not null).ToList();

        harness.Services.AddApplication();

        var after = harness.Services.Select(d => (d.ServiceType, d.ImplementationType)).Where(d => d.ImplementationType is not null).ToList();
        Assert.That(after, Is.EquivalentTo(before));
    }

    [Test]
    public void Pipeline_RegistersBehaviorsOutermostFirst()
    {
        using var harness = new PipelineHarness();

        var behaviors = harness.Services
            .Where(d => d.ServiceType == typeof(IPipelineBehavior<,>))
            .Select(d => d.ImplementationType!.Name.Split('`')[0])
            .ToList();

        Assert.That(behaviors, Is.EqualTo(new[] { "LoggingBehavior", "ProviderExistsBehavior", "PatientAccessBehavior", "ValidationBehavior" }));
    }

    private static Type? ResponseTypeOf(Type type) =>
        type.GetInterfaces()
            .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IRequest<>))
            .Select(i => i.GetGenericArguments()[0])
            .FirstOrDefault();
}
