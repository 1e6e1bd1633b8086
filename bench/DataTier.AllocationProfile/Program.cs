using DataTier.AllocationProfile;

// Usage: DataTier.AllocationProfile TRACE.nettrace [--stacks N] [--frames N]
// The trace: dotnet-trace collect -p PID --profile gc-verbose --duration 00:00:00:05 -o TRACE.nettrace, taken under
// a steady load. The runtime samples one allocation about every 100 KB (AllocationTick), so shares are estimates.
if (args.Length == 0 || !File.Exists(args[0]))
{
    Console.Error.WriteLine("usage: DataTier.AllocationProfile TRACE.nettrace [--stacks N] [--frames N]");
    return 2;
}

int stacks = Option(args, "--stacks", 25);
int frames = Option(args, "--frames", 12);
var profile = AllocationTrace.Read(args[0], frames);
Console.WriteLine($"sampled {profile.TotalBytes / (1024.0 * 1024):F0} MB in {profile.Samples:N0} samples");
Console.WriteLine();
Console.WriteLine("by type:");
foreach (var (name, bytes) in profile.ByType.OrderByDescending(kv => kv.Value).Take(30))
{
    Console.WriteLine($"{100.0 * bytes / profile.TotalBytes,6:F1}%  {name}");
}

Console.WriteLine();
Console.WriteLine("by allocating stack (innermost first):");
foreach (var (stack, bytes) in profile.ByStack.OrderByDescending(kv => kv.Value).Take(stacks))
{
    Console.WriteLine($"{100.0 * bytes / profile.TotalBytes,6:F1}%  {stack}");
    Console.WriteLine();
}

return 0;

static int Option(string[] args, string name, int fallback)
{
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], out int value) ? value : fallback;
}
