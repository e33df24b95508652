using FluentValidation;
using Wearables.Application.Common.Validation;
using Wearables.Domain.Common;
using Wearables.Domain.Security;

namespace Wearables.Application.ApiKeys.Commands.CreateApiKey;

public sealed class CreateApiKeyCommandValidator : AbstractValidator<CreateApiKeyCommand>
{
    public CreateApiKeyCommandValidator()
    {
        RuleFor(c => c.Name).RequiredSafeText(100);
        RuleFor(c => c.Role)
            .Must(r => Roles.TryParse(r, out _)).WithErrorCode("role_invalid").WithMessage("'role' must be one of admin, service, patient.");
        RuleFor(c => c.PatientId)
            .Must(Identifiers.IsFhirId).When(c => c.Role == Roles.Patient)
            .WithErrorCode("patient_id_invalid").WithMessage("A patient key needs 'patientId', a FHIR id ([A-Za-z0-9-.]{1,64}).");
        RuleFor(c => c.PatientId)
            .Null().When(c => c.Role != Roles.Patient)
            .WithErrorCode("patient_id_not_allowed").WithMessage("'patientId' is only for patient keys.");
    }
}
