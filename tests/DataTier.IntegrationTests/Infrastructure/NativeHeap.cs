using System.Runtime.InteropServices;

namespace DataTier.IntegrationTests.Infrastructure;

/// <summary>glibc's heap: memory the process freed stays in malloc's arenas until trimmed.</summary>
internal static class NativeHeap
{
    /// <summary>Returns the free memory of every malloc arena to the system (glibc's malloc_trim(0)).</summary>
    public static void Trim()
    {
        if (OperatingSystem.IsLinux())
        {
            _ = MallocTrim(0);
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
