using Wearables.Application.ApiKeys;
using Wearables.Domain.Common;
using Wearables.Domain.Security;

namespace Wearables.Api.Cli;

/// <summary>
/// <c>create-key --project P --role admin|service|patient [--patient ID] [--name N]</c>: creates an
/// API key in the configured store and prints it once.
/// </summary>
public static class CreateKeyVerb
{
    public const string Name = "create-key";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args)
    {
        string? Arg(string name)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }

        var project = Arg("--project") ?? "default";
        var roleName = Arg("--role") ?? Roles.Service;
        var patient = Arg("--patient");
        var name = Arg("--name") ?? $"{roleName} key";
        if (!Identifiers.IsProjectId(project) || !Roles.TryParse(roleName, out var role) || (role == Role.Patient) != (patient is not null))
        {
            await Console.Error.WriteLineAsync("usage: create-key --project <id> --role admin|service|patient [--patient <id> (patient keys only)] [--name <name>]").ConfigureAwait(false);
            return 2;
        }

        await using var scope = services.CreateAsyncScope();
        var issued = await scope.ServiceProvider.GetRequiredService<ApiKeyIssuer>()
            .IssueAsync(project, role, patient, name, CancellationToken.None).ConfigureAwait(false);
        await Console.Out.WriteLineAsync($"Created {roleName} key {issued.Key.Id} for project '{project}' (shown once):").ConfigureAwait(false);
        await Console.Out.WriteLineAsync(issued.Plaintext).ConfigureAwait(false);
        return 0;
    }
}
