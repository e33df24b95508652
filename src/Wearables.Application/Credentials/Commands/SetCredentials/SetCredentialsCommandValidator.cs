using FluentValidation;
using Wearables.Application.Common.Validation;

namespace Wearables.Application.Credentials.Commands.SetCredentials;

public sealed class SetCredentialsCommandValidator : AbstractValidator<SetCredentialsCommand>
{
    // Real client ids are short; secrets and webhook secrets stay well under a kilobyte.
    public const int MaxClientIdLength = 256;
    public const int MaxSecretLength = 1024;

    public SetCredentialsCommandValidator()
    {
        RuleFor(c => c.ClientId).RequiredSafeText(MaxClientIdLength);
        RuleFor(c => c.ClientSecret).RequiredSafeText(MaxSecretLength);
        RuleFor(c => c.WebhookSecret).OptionalSafeText(MaxSecretLength);
    }
}
