using FluentValidation;
using FluentValidation.Results;
using Wearables.Application.Common.Behaviors;
using Wearables.Application.Common.Validation;

namespace Wearables.Api.Validation;

/// <summary>
/// Checks a request body at the HTTP edge (MVC model validation, through FluentValidation.AspNetCore)
/// with the rules of the command it becomes: the command's validator stays the one owner of the
/// rules, and the MediatR pipeline still runs it for every other sender.
/// <para>
/// A failure is thrown, not put into ModelState: the answer must be the pipeline's own (422, or 400
/// where the contract says so, with the first failure's code), which ModelState cannot carry.
/// Only for routes whose contract checks the body before anything that needs a store or the
/// patient check; see <see cref="EdgeValidation"/>.
/// </para>
/// </summary>
public abstract class CommandRulesValidator<TBody, TCommand>(IValidator<TCommand> rules, IHttpContextAccessor http) : IValidator<TBody>
{
    private static readonly bool AsBadRequest = typeof(IReportsValidationAsBadRequest).IsAssignableFrom(typeof(TCommand));

    /// <summary>The command the controller makes of this body (route values from <paramref name="request"/>).</summary>
    protected abstract TCommand ToCommand(TBody body, HttpRequest request);

    public ValidationResult Validate(TBody instance) => Validate(new ValidationContext<TBody>(instance));

    public Task<ValidationResult> ValidateAsync(TBody instance, CancellationToken cancellation = default) =>
        ValidateAsync(new ValidationContext<TBody>(instance), cancellation);

    public ValidationResult Validate(IValidationContext context) => Checked(rules.Validate(ForCommand(context)));

    public async Task<ValidationResult> ValidateAsync(IValidationContext context, CancellationToken cancellation = default) =>
        Checked(await rules.ValidateAsync(ForCommand(context), cancellation).ConfigureAwait(false));

    public IValidatorDescriptor CreateDescriptor() => rules.CreateDescriptor();

    public bool CanValidateInstancesOfType(Type type) => typeof(TBody).IsAssignableFrom(type);

    private static ValidationResult Checked(ValidationResult result) =>
        result.IsValid ? result : throw ValidationFailures.ToException(result.Errors, AsBadRequest);

    private ValidationContext<TCommand> ForCommand(IValidationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var httpContext = http.HttpContext ?? throw new InvalidOperationException("Request bodies are validated during a request.");
        var command = new ValidationContext<TCommand>(ToCommand((TBody)context.InstanceToValidate, httpContext.Request));

        // The validators are singletons: the rules reach this request's caller and caches through the context.
        RequestServices.Attach(command, httpContext.RequestServices);
        return command;
    }
}
