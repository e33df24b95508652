using FluentValidation;

namespace Wearables.Application.Connections.Commands.IssueAccessToken;

public sealed class IssueAccessTokenCommandValidator : AbstractValidator<IssueAccessTokenCommand>
{
    public const long MaxMinValiditySeconds = 3600;

    public IssueAccessTokenCommandValidator()
    {
        RuleFor(c => c.MinValiditySeconds)
            .InclusiveBetween(0, MaxMinValiditySeconds)
            .When(c => c.MinValiditySeconds is not null)
            .OverridePropertyName("min_validity_seconds")
            .WithErrorCode("min_validity_invalid")
            .WithMessage($"min_validity_seconds must be a whole number of seconds from 0 to {MaxMinValiditySeconds}.");
    }
}
