using FluentValidation;

namespace Wearables.Application.Common.Validation;

public static class TextRules
{
    /// <summary>Present, not blank, at most <paramref name="maxLength"/> characters, no control characters.</summary>
    public static IRuleBuilderOptions<T, string?> RequiredSafeText<T>(this IRuleBuilder<T, string?> rule, int maxLength) =>
        rule
            .Must(v => !string.IsNullOrWhiteSpace(v)).WithErrorCode("field_required").WithMessage("'{PropertyName}' is required and must not be blank.")
            .Must(v => v is null || v.Length <= maxLength).WithErrorCode("field_too_long").WithMessage($"'{{PropertyName}}' must be at most {maxLength} characters.")
            .Must(v => v is null || !HasControlCharacters(v)).WithErrorCode("field_invalid").WithMessage("'{PropertyName}' must not contain control characters.");

    /// <summary>Like <see cref="RequiredSafeText{T}"/> but absent (null) is fine.</summary>
    public static IRuleBuilderOptions<T, string?> OptionalSafeText<T>(this IRuleBuilder<T, string?> rule, int maxLength) =>
        rule
            .Must(v => v is null || !string.IsNullOrWhiteSpace(v)).WithErrorCode("field_blank").WithMessage("'{PropertyName}' must not be blank when given.")
            .Must(v => v is null || v.Length <= maxLength).WithErrorCode("field_too_long").WithMessage($"'{{PropertyName}}' must be at most {maxLength} characters.")
            .Must(v => v is null || !HasControlCharacters(v)).WithErrorCode("field_invalid").WithMessage("'{PropertyName}' must not contain control characters.");

    public static bool HasControlCharacters(string value)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c) || c is '\u2028' or '\u2029' or '\uFEFF')
            {
                return true;
            }
        }

        return false;
    }
}
