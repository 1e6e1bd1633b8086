using System.Runtime.InteropServices;

namespace DataTier.DevCluster.Processes;

/// <summary>libc calls .NET does not expose: sending a signal other than SIGKILL.</summary>
internal static class NativeMethods
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    // DllImport rather than LibraryImport: the latter needs AllowUnsafeBlocks, and two ints need no marshalling.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
#pragma warning disable SYSLIB1054
    private static extern int SysKill(int pid, int signal);
#pragma warning restore SYSLIB1054

    [DllImport("libc", EntryPoint = "geteuid")]
#pragma warning disable SYSLIB1054
    private static extern uint SysGetEuid();
#pragma warning restore SYSLIB1054

    /// <summary>Sends a signal; false when the process does not exist (or is not ours to signal).</summary>
    public static bool Kill(int pid, int signal) => pid > 0 && SysKill(pid, signal) == 0;

    /// <summary>Effective user id of this process.</summary>
    public static uint GetEffectiveUserId() => SysGetEuid();
}
