using System.Text.Json;

namespace Signing.Cli.Commands.Desk;

/// <summary>
/// What `esign login` keeps: the server it signed in to, the bearer token, its expiry, and the card it was made with
/// (so later commands find the same card without --token). Never a PIN.
/// </summary>
internal sealed record DeskSession
{
    public required string Server { get; init; }
    public required string AccessToken { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }
    public string? TokenLabel { get; init; }
    public string? Name { get; init; }
    public string? TcknMasked { get; init; }
    public IReadOnlyList<string> Roles { get; init; } = [];
    public string? Tenant { get; init; }

    public bool IsExpired(DateTimeOffset now) => now >= ExpiresAt;
}

/// <summary>
/// The session file in the user's profile: $ESIGN_PROFILE_DIR, else $XDG_CONFIG_HOME/esign, else ~/.config/esign.
/// The bearer token is a credential: the file is created owner-only (0600) and rewritten atomically.
/// </summary>
internal sealed class SessionStore(string directory)
{
    public const string FileName = "session.json";

    public string Directory { get; } = directory;
    public string FilePath => Path.Combine(Directory, FileName);

    public static SessionStore Default() => new(DefaultDirectory(Environment.GetEnvironmentVariable));

    public static string DefaultDirectory(Func<string, string?> env)
    {
        if (env("ESIGN_PROFILE_DIR") is { Length: > 0 } explicitDir)
            return explicitDir;
        if (env("XDG_CONFIG_HOME") is { Length: > 0 } xdg)
            return Path.Combine(xdg, "esign");
        var home = env("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".config", "esign");
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public void Save(DeskSession session)
    {
        if (!OperatingSystem.IsWindows())
            System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        else
            System.IO.Directory.CreateDirectory(Directory);
        var temp = FilePath + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temp, options))
            JsonSerializer.Serialize(stream, session, Json);
        // A leftover temp file from an older run keeps its old mode: force owner-only before it becomes the session.
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temp, FilePath, overwrite: true);
    }

    /// <summary>The stored session, or null when there is none. A damaged file is a usage error, not a crash.</summary>
    public DeskSession? Load()
    {
        if (!File.Exists(FilePath))
            return null;
        try
        {
            return JsonSerializer.Deserialize<DeskSession>(File.ReadAllText(FilePath), Json);
        }
        catch (JsonException e)
        {
            throw new DeskException(DeskExit.NotSignedIn, "session.corrupt", [FilePath], inner: e);
        }
    }

    public bool Delete()
    {
        if (!File.Exists(FilePath))
            return false;
        File.Delete(FilePath);
        return true;
    }
}
