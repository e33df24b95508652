namespace Wearables.Infrastructure;

/// <summary>
/// Files only the service's own user may read: the data directory (0700) and the embedded database
/// (0600) hold sealed secrets, API key hashes and, in Development, the generated master key. Modes
/// are set when the service creates them (what an operator set on an existing one stays); on
/// Windows the directory's inherited ACLs apply.
/// </summary>
public static class PrivateFiles
{
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the directory (and missing parents) 0700 when it does not exist yet.</summary>
    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows() || Directory.Exists(path))
        {
            Directory.CreateDirectory(path);
            return;
        }

        Directory.CreateDirectory(path, DirectoryMode);
    }

    /// <summary>Creates an empty file 0600 when it does not exist yet (another process creating it first is fine).</summary>
    public static void CreateEmptyFile(string path)
    {
        if (OperatingSystem.IsWindows() || File.Exists(path))
        {
            return;
        }

        try
        {
            using var _ = new FileStream(path, new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = FileMode });
        }
        catch (IOException) when (File.Exists(path))
        {
        }
    }
}
