using System.Globalization;
using Microsoft.Extensions.Hosting;

namespace Wearables.Infrastructure.Diagnostics;

/// <summary>
/// <c>Wearables:Diagnostics:AllocationsFile</c>: rewrites the file four times a second with the bytes the
/// process has allocated so far, and its collections per generation (<c>allocated gen0 gen1 gen2</c>), so that
/// a benchmark can divide the difference over a run by its requests. No route: nothing a caller can reach.
/// </summary>
internal sealed class AllocationsFileWriter(string path) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        var temporary = path + ".tmp";
        try
        {
            do
            {
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"{GC.GetTotalAllocatedBytes(precise: false)} {GC.CollectionCount(0)} {GC.CollectionCount(1)} {GC.CollectionCount(2)}\n");
                await File.WriteAllTextAsync(temporary, line, stoppingToken).ConfigureAwait(false);
                File.Move(temporary, path, overwrite: true);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
