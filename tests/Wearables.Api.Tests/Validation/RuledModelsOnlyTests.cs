using FluentValidation;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.ModelBinding.Validation;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Wearables.Api.Controllers;
using Wearables.Api.Validation;

namespace Wearables.Api.Tests.Validation;

/// <summary>
/// MVC's model validation runs only for models that have FluentValidation rules; every other bound value counts as
/// checked (else the model state would stay invalid and every such request would be a 400), a binding error stays one.
/// The routes themselves (422 for a ruled body, 400 for a malformed one, 200 otherwise) are covered by the HTTP tests.
/// </summary>
public sealed class RuledModelsOnlyTests
{
    [Test]
    public void ModelWithRules_IsValidatedByFluentValidation()
    {
        var (validator, inner) = Create(services => services.AddSingleton<IValidator<SetCredentialsRequest>>(new InlineValidator<SetCredentialsRequest>()));
        var context = NewContext();

        validator.Validate(context, null, "body", new SetCredentialsRequest());

        Assert.That(inner.Validated, Is.EqualTo(new[] { "body" }));
    }

    [Test]
    public void ModelWithoutRules_IsNotVisited_AndItsEntriesCountAsChecked()
    {
        var (validator, inner) = Create(_ => { });
        var context = NewContext();
        context.ModelState.SetModelValue("provider", "strava", "strava");
        context.ModelState.SetModelValue("body.PatientId", "p1", "p1");

        validator.Validate(context, null, string.Empty, new ConnectRequest { PatientId = "p1" });

        using (Assert.EnterMultipleScope())
        {
            Assert.That(inner.Validated, Is.Empty);
            Assert.That(context.ModelState["provider"]!.ValidationState, Is.EqualTo(ModelValidationState.Skipped));
            Assert.That(context.ModelState["body.PatientId"]!.ValidationState, Is.EqualTo(ModelValidationState.Skipped));
            Assert.That(context.ModelState.IsValid, Is.True);
        }
    }

    [Test]
    public void BindingError_StaysAnError()
    {
        var (validator, _) = Create(_ => { });
        var context = NewContext();
        context.ModelState.AddModelError("body", "not JSON");
        context.ModelState.SetModelValue("provider", "strava", "strava");

        validator.Validate(context, null, string.Empty, null);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(context.ModelState["body"]!.ValidationState, Is.EqualTo(ModelValidationState.Invalid));
            Assert.That(context.ModelState["provider"]!.ValidationState, Is.EqualTo(ModelValidationState.Skipped));
            Assert.That(context.ModelState.IsValid, Is.False);
        }
    }

    [Test]
    public void OnlyTheEntriesUnderItsPrefix_AreMarked()
    {
        var (validator, _) = Create(_ => { });
        var context = NewContext();
        context.ModelState.SetModelValue("provider", "strava", "strava");
        context.ModelState.SetModelValue("key", "k", "k");

        validator.Validate(context, null, "provider", "strava");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(context.ModelState["provider"]!.ValidationState, Is.EqualTo(ModelValidationState.Skipped));
            Assert.That(context.ModelState["key"]!.ValidationState, Is.EqualTo(ModelValidationState.Unvalidated));
        }
    }

    private static (EdgeValidation.RuledModelsOnly Validator, RecordingValidator Inner) Create(Action<IServiceCollection> register)
    {
        var services = new ServiceCollection();
        register(services);
        var inner = new RecordingValidator();
        return (new EdgeValidation.RuledModelsOnly(inner, services.BuildServiceProvider()), inner);
    }

    private static ActionContext NewContext() => new(new DefaultHttpContext(), new RouteData(), new ActionDescriptor());

    private sealed class RecordingValidator : IObjectModelValidator
    {
        public List<string> Validated { get; } = [];

        public void Validate(ActionContext actionContext, ValidationStateDictionary? validationState, string prefix, object? model) => Validated.Add(prefix);
    }
}

/// <summary>The service's MVC uses it, and the decoration helper behind it keeps what it wraps.</summary>
public sealed class RuledModelsOnlyRegistrationTests() : Infrastructure.ApiFixture(StorageMode.Embedded)
{
    [Test]
    public void TheServicesObjectModelValidator_IsRuledModelsOnly() =>
        Assert.That(Factory.Services.GetRequiredService<IObjectModelValidator>(), Is.InstanceOf<EdgeValidation.RuledModelsOnly>());

    [Test]
    public void Decorate_WrapsTheLastRegistration_KeepingItsLifetime()
    {
        var services = new ServiceCollection();
        services.AddScoped<IObjectModelValidator, NoValidation>();
        IObjectModelValidator? wrapped = null;

        var done = Wearables.Infrastructure.Hosting.ServiceDecoration.Decorate<IObjectModelValidator>(services, (_, inner) => wrapped = inner);
        using var provider = services.BuildServiceProvider();
        using var scope = provider.CreateScope();
        _ = scope.ServiceProvider.GetRequiredService<IObjectModelValidator>();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(done, Is.True);
            Assert.That(wrapped, Is.InstanceOf<NoValidation>());
            Assert.That(services.Single(d => d.ServiceType == typeof(IObjectModelValidator)).Lifetime, Is.EqualTo(ServiceLifetime.Scoped));
        }
    }

    [Test]
    public void Decorate_WrapsTheRegistrationThatResolves_InItsPlace_PassingOverAKeyedOneAfterIt()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IObjectModelValidator, NoValidation>();
        services.AddKeyedSingleton<IObjectModelValidator, NoValidation>("k");
        var keyed = services[1];

        var done = Wearables.Infrastructure.Hosting.ServiceDecoration.Decorate<IObjectModelValidator>(services, (_, inner) => new Wrapping(inner));
        using var provider = services.BuildServiceProvider();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(done, Is.True);
            Assert.That(services, Has.Count.EqualTo(2));
            Assert.That(services[0].IsKeyedService, Is.False, "replaced where it was");
            Assert.That(services[1], Is.SameAs(keyed), "the keyed one is left alone");
            Assert.That(provider.GetRequiredService<IObjectModelValidator>(), Is.InstanceOf<Wrapping>().With.Property(nameof(Wrapping.Inner)).InstanceOf<NoValidation>());
            Assert.That(provider.GetRequiredKeyedService<IObjectModelValidator>("k"), Is.InstanceOf<NoValidation>());
        }
    }

    [Test]
    public void Decorate_WithoutARegistration_OrAKeyedOne_ChangesNothing()
    {
        var services = new ServiceCollection();
        services.AddKeyedSingleton<IObjectModelValidator, NoValidation>("k");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Wearables.Infrastructure.Hosting.ServiceDecoration.Decorate<IObjectModelValidator>(new ServiceCollection(), (_, v) => v), Is.False);
            Assert.That(Wearables.Infrastructure.Hosting.ServiceDecoration.Decorate<IObjectModelValidator>(services, (_, v) => v), Is.False);
            Assert.That(services.Single().IsKeyedService, Is.True);
            Assert.That(() => Wearables.Infrastructure.Hosting.ServiceDecoration.Decorate<IObjectModelValidator>(null!, (_, v) => v), Throws.ArgumentNullException);
            Assert.That(() => Wearables.Infrastructure.Hosting.ServiceDecoration.Decorate<IObjectModelValidator>(services, null!), Throws.ArgumentNullException);
            Assert.That(() => new EdgeValidation.RuledModelsOnly(new NoValidation(), new ServiceCollection().BuildServiceProvider()).Validate(null!, null, "", null), Throws.ArgumentNullException);
        }
    }

    private sealed class NoValidation : IObjectModelValidator
    {
        public void Validate(ActionContext actionContext, ValidationStateDictionary? validationState, string prefix, object? model)
        {
        }
    }

    private sealed class Wrapping(IObjectModelValidator inner) : IObjectModelValidator
    {
        public IObjectModelValidator Inner => inner;

        public void Validate(ActionContext actionContext, ValidationStateDictionary? validationState, string prefix, object? model) =>
            inner.Validate(actionContext, validationState, prefix, model);
    }
}
