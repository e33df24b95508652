using System.Net;
using System.Text.RegularExpressions;
using Wearables.Api.Cli;
using Wearables.Api.Tests.Infrastructure;

namespace Wearables.Api.Tests.Hosting;

/// <summary>The <c>create-key</c> command-line verb creates working keys in the configured store.</summary>
[TestFixture(StorageMode.Embedded)]
[TestFixture(StorageMode.Redis)]
[NonParallelizable]
public sealed partial class CreateKeyVerbTests(StorageMode mode) : ApiFixture(mode)
{
    [Test]
    public async Task CreateKey_ForAService_PrintsAKeyThatAuthenticatesWithThatRole()
    {
        var project = WearablesApiFactory.NewProjectId();
        var (exit, output) = await RunAsync("create-key", "--project", project, "--role", "service", "--name", "backend");

        var key = KeyPattern().Match(output).Value;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(exit, Is.Zero);
            Assert.That(key, Is.Not.Empty, output);
        }

        // A service key may not manage credentials (403), which proves it authenticated with that role.
        await (await Factory.WithApiKey(key).GetAsync("/v1/wearables/strava/credentials")).ExpectProblemAsync(HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task CreateKey_ForAnAdmin_KeyManagesOnlyItsOwnProject()
    {
        var project = WearablesApiFactory.NewProjectId();
        var (_, output) = await RunAsync("create-key", "--project", project, "--role", "admin");
        var admin = Factory.WithApiKey(KeyPattern().Match(output).Value);

        var keys = await ApiKeys.ListAsync(admin);
        Assert.That(keys, Has.Length.EqualTo(1), "the new project holds only the key just created");
    }

    [TestCase("--role", "owner")]
    [TestCase("--role", "patient")]
    [TestCase("--project", "bad/project", "--role", "admin")]
    [TestCase("--role", "service", "--patient", "p-1")]
    public async Task CreateKey_WithBadArguments_ExitsWith2AndCreatesNothing(params string[] arguments)
    {
        var (exit, output) = await RunAsync(["create-key", .. arguments]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(exit, Is.EqualTo(2));
            Assert.That(KeyPattern().IsMatch(output), Is.False);
        }
    }

    private async Task<(int Exit, string Output)> RunAsync(params string[] arguments)
    {
        var original = Console.Out;
        var originalError = Console.Error;
        using var captured = new StringWriter();
        Console.SetOut(captured);
        Console.SetError(captured);
        try
        {
            var exit = await CreateKeyVerb.RunAsync(Factory.Services, arguments);
            return (exit, captured.ToString());
        }
        finally
        {
            Console.SetOut(original);
            Console.SetError(originalError);
        }
    }

    [GeneratedRegex(@"wk_[a-z2-9]{8}_[A-Za-z0-9_-]{43}")]
    private static partial Regex KeyPattern();
}
