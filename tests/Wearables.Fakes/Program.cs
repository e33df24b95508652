namespace Wearables.Fakes;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        return args.Length;
    }
}
