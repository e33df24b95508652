using FluentValidation;
using Wearables.Application.Common.Interfaces;
using Wearables.Application.Common.Validation;
using Wearables.Application.Credentials;
using Wearables.Application.Providers;
using Wearables.Application.Settings;
using Wearables.Domain.Common;

namespace Wearables.Application.Connections.Commands.StartConnect;

/// <summary>
/// The spec's checks, in the spec's order, stopping at the first failure: toggle off
/// (<c>provider_disabled</c>), credentials missing (<c>credentials_missing</c>), bad patientId,
/// redirectUri not absolute/https (http only for loopback) or outside the project's allowed origins.
/// A singleton: the caller and the per-request settings and credentials come from the request's
/// services (<see cref="RequestServices"/>).
/// </summary>
public sealed class StartConnectCommandValidator : AbstractValidator<StartConnectCommand>
{
    public const int MaxRedirectUriLength = 2048;

    public StartConnectCommandValidator()
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleLevelCascadeMode = CascadeMode.Stop;

        RuleFor(c => c.Provider)
            .MustAsync((_, _, context, ct) => context.RequestService<ProjectSettings>()
                .IsProviderEnabledAsync(ProjectOf(context), context.RequestService<RequestedProvider>().Descriptor, ct))
            .WithErrorCode("provider_disabled")
            .WithMessage(c => $"The provider is disabled for this project: set WEARABLE_{c.Provider.ToUpperInvariant()}_ENABLED to true.");

        RuleFor(c => c.Provider)
            .MustAsync(async (_, slug, context, ct) =>
                (await context.RequestService<ProjectCredentials>().GetStatusAsync(ProjectOf(context), slug, ct).ConfigureAwait(false)).Configured)
            .WithErrorCode("credentials_missing")
            .WithMessage("No OAuth credentials are on file for this provider: PUT /v1/wearables/{provider}/credentials first.");

        RuleFor(c => c.PatientId)
            .Must(Identifiers.IsFhirId)
            .WithErrorCode("patient_id_invalid")
            .WithMessage("'patientId' must be a FHIR id ([A-Za-z0-9-.]{1,64}).");

        RuleFor(c => c.RedirectUri)
            .Must(BeAbsoluteSecureUri)
            .WithErrorCode("redirect_uri_invalid")
            .WithMessage("'redirectUri' must be an absolute https URL (http only for localhost) of printable ASCII (percent-encode the rest), without credentials or fragment.")
            .MustAsync(async (_, uri, context, ct) =>
                (await context.RequestService<ProjectSettings>().GetRedirectOriginsAsync(ProjectOf(context), ct).ConfigureAwait(false)).Allows(new Uri(uri!)))
            .WithErrorCode("redirect_uri_not_allowed")
            .WithMessage("'redirectUri' is not within the project's allowed origins (WEARABLE_REDIRECT_ORIGINS).")
            .When(c => c.RedirectUri is not null);
    }

    private static string ProjectOf(ValidationContext<StartConnectCommand> context) =>
        context.RequestService<ICallerContext>().Caller.ProjectId;

    private static bool BeAbsoluteSecureUri(string? value) =>
        value is { Length: > 0 and <= MaxRedirectUriLength }
        && IsPrintableAscii(value)
        && Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && RedirectOrigins.IsSecureOrLoopback(uri)
        && string.IsNullOrEmpty(uri.UserInfo)
        && string.IsNullOrEmpty(uri.Fragment);

    /// <summary>
    /// The URI goes back out in a Location header, which carries ASCII only: anything else (non-ASCII
    /// path or host, spaces, controls) must arrive percent-encoded (or punycoded), or the callback
    /// could not redirect after the state was spent.
    /// </summary>
    private static bool IsPrintableAscii(string value) => !value.AsSpan().ContainsAnyExceptInRange('!', '~');
}
