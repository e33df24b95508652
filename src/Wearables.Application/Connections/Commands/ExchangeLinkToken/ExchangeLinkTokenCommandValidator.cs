using FluentValidation;
using Wearables.Application.Common.Validation;

namespace Wearables.Application.Connections.Commands.ExchangeLinkToken;

public sealed class ExchangeLinkTokenCommandValidator : AbstractValidator<ExchangeLinkTokenCommand>
{
    public ExchangeLinkTokenCommandValidator()
    {
        RuleLevelCascadeMode = CascadeMode.Stop;
        RuleFor(c => c.LinkToken).RequiredSafeText(2048).OverridePropertyName("link_token");
        RuleFor(c => c.Provider)
            .Must(p => p is null || ExchangeLinkTokenCommand.Providers.Contains(p))
            .WithErrorCode("provider_invalid")
            .WithMessage($"'provider' must be one of {string.Join(", ", ExchangeLinkTokenCommand.Providers)}.")
            .OverridePropertyName("provider");
    }
}
