using System.Reflection;
using System.Runtime.InteropServices;

namespace DataTier.Core.Sql.Tree;

/// <summary>
/// Finds and loads libpg_query once per process, and resolves <see cref="PgQueryNative.LibraryName"/> to it.
/// </summary>
/// <remarks>
/// <para>
/// Debian's runtime package <c>libpg-query1504.0</c> installs only <c>libpg_query.so.1504.0</c> (the soname) and
/// <c>libpg_query.so.1504.0.0</c>; the unversioned <c>libpg_query.so</c> comes with <c>libpg-query-dev</c>. The default probing
/// of <c>[LibraryImport("pg_query")]</c> would only find the unversioned name, so a resolver tries the names below in order.
/// The two absolute paths cover a library copied into place without <c>ldconfig</c> having run.
/// </para>
/// <para>
/// .NET allows one <see cref="NativeLibrary.SetDllImportResolver"/> per assembly: if DataTier.Core ever binds a second
/// native library, extend <see cref="Resolve"/> rather than registering another resolver.
/// </para>
/// </remarks>
internal static class PgQueryLibrary
{
    /// <summary>The Debian package that holds the runtime library; named in the error when it is missing.</summary>
    public const string DebianPackage = "libpg-query1504.0";

    /// <summary>The file names tried, in order.</summary>
    public static readonly IReadOnlyList<string> CandidateNames =
    [
        "libpg_query.so",
        "libpg_query.so.1504.0",
        "/usr/lib/x86_64-linux-gnu/libpg_query.so.1504.0",
        "/usr/lib/aarch64-linux-gnu/libpg_query.so.1504.0",
    ];

    // Lazy caches the outcome, failure included: a library does not appear while the process runs.
    private static readonly Lazy<(nint Handle, string Name)> s_library = new(LoadOrThrow, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The file name that was loaded, for diagnostics; loads the library if it is not loaded yet.</summary>
    public static string LoadedName => s_library.Value.Name;

    /// <summary>Loads the library on first use and registers the resolver.</summary>
    /// <exception cref="DllNotFoundException">No candidate could be loaded; the message names the package to install.</exception>
    public static void EnsureLoaded() => _ = s_library.Value;

    /// <summary>Tries each name with <see cref="NativeLibrary.TryLoad(string, out nint)"/>; on failure says what was tried.</summary>
    public static bool TryLoad(IReadOnlyList<string> names, out nint handle, out string loadedName, out string error)
    {
        foreach (string name in names)
        {
            if (NativeLibrary.TryLoad(name, out handle))
            {
                loadedName = name;
                error = "";
                return true;
            }
        }

        handle = 0;
        loadedName = "";
        error = $"libpg_query (PostgreSQL 15's parser as a C library) could not be loaded: tried {string.Join(", ", names)}. "
            + $"Install the Debian package '{DebianPackage}' (apt-get install {DebianPackage}); './datatier dev up' and './datatier test' install it when run as root.";
        return false;
    }

    private static (nint, string) LoadOrThrow()
    {
        if (!TryLoad(CandidateNames, out nint handle, out string name, out string error))
        {
            throw new DllNotFoundException(error);
        }

        NativeLibrary.SetDllImportResolver(typeof(PgQueryLibrary).Assembly, Resolve);
        return (handle, name);
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == PgQueryNative.LibraryName && s_library.IsValueCreated ? s_library.Value.Handle : 0;
}
