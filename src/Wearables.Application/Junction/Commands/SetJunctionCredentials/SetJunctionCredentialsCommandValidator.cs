using FluentValidation;
using Wearables.Application.Common.Validation;

namespace Wearables.Application.Junction.Commands.SetJunctionCredentials;

public sealed class SetJunctionCredentialsCommandValidator : AbstractValidator<SetJunctionCredentialsCommand>
{
    public const int MaxApiKeyLength = 512;

    public SetJunctionCredentialsCommandValidator(JunctionEndpoints endpoints)
    {
        RuleLevelCascadeMode = CascadeMode.Stop;

        // Sent as a header value: printable ASCII without spaces, or the HTTP client would refuse it mid-exchange.
        RuleFor(c => c.ApiKey)
            .RequiredSafeText(MaxApiKeyLength)
            .Must(k => k is null || k.All(c => c is > ' ' and <= '~')).WithErrorCode("field_invalid").WithMessage("'apiKey' must be printable ASCII without spaces.");
        RuleFor(c => c)
            .Must(c => (c.Region is null) != (c.BaseUrl is null)).WithErrorCode("junction_location_required")
            .WithMessage("Give exactly one of 'region' and 'baseUrl'.")
            .OverridePropertyName("region");
        RuleFor(c => c.Region)
            .Must(r => r is null || JunctionEndpoints.Regions.ContainsKey(r)).WithErrorCode("region_invalid")
            .WithMessage($"'region' must be one of {string.Join(", ", JunctionEndpoints.Regions.Keys)}.");
        RuleFor(c => c.BaseUrl)
            .Must(u => u is null || (u.Length <= 2048 && endpoints.Allowed(u) is not null)).WithErrorCode("base_url_not_allowed")
            .WithMessage("'baseUrl' must be one of Junction's region URLs or a base URL the operator allows (Wearables:Junction:AllowedBaseUrls).");
    }
}
