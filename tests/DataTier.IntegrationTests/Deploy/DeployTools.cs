using System.Diagnostics;
using System.Text.Json.Nodes;

namespace DataTier.IntegrationTests.Deploy;

/// <summary>
/// The deploy tests' tools, all real: docker-compose (Debian package 'docker-compose'), and node with the npm packages of
/// tests/tools/deploy (kubernetes-models' schema validators, a YAML parser), installed with npm ci when node_modules is not that of package-lock.json.
/// A missing tool fails the test that needs it.
/// </summary>
internal static class DeployTools
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(120);
    private static readonly Lazy<Task> NpmInstall = new(InstallAsync);
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Task<string>> Parsed = new(StringComparer.Ordinal);

    public static string Root { get; } = FindRoot();

    public static string ToolsDir => Path.Combine(Root, "tests", "tools", "deploy");

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>Runs a program (no shell), with an optional working directory; fails the test past the timeout.</summary>
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(
        string program, IEnumerable<string> arguments, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Root,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ToolTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} {string.Join(' ', start.ArgumentList)} ran past {ToolTimeout.TotalSeconds} s");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>A Debian tool by its path, failing (never skipping) with what to install when it is missing.</summary>
    public static string Tool(string name, string package)
    {
        string path = Path.Combine("/usr/bin", name);
        Assert.True(File.Exists(path), $"{path} is missing: install the Debian package '{package}' (./datatier test does so as root).");
        return path;
    }

    /// <summary><c>node SCRIPT ARGS</c> in tests/tools/deploy, after its packages are installed.</summary>
    public static async Task<(int Code, string Stdout, string Stderr)> NodeAsync(string script, params string[] arguments)
    {
        await NpmInstall.Value;
        return await RunAsync(Tool("node", "nodejs"), [Path.Combine(ToolsDir, script), .. arguments], ToolsDir);
    }

    /// <summary>
    /// Every document of a YAML file, parsed by the YAML package (as JSON). Parsed once per file and version: each node
    /// start costs a second on a busy machine, and several tests read the same manifests; each caller gets its own copy.
    /// </summary>
    public static async Task<JsonArray> ReadYamlAsync(string path)
    {
        string key = $"{Path.GetFullPath(path)}@{File.GetLastWriteTimeUtc(path).Ticks}";
        string json = await Parsed.GetOrAdd(key, static (_, p) => ParseYamlAsync(p), path);
        return JsonNode.Parse(json)!.AsArray();
    }

    private static async Task<string> ParseYamlAsync(string path)
    {
        var (code, stdout, stderr) = await NodeAsync("yaml-to-json.mjs", path);
        Assert.True(code == 0, $"{path} is not YAML: {stderr}");
        return stdout;
    }

    /// <summary>A file with one YAML document, as JSON.</summary>
    public static async Task<JsonObject> ReadYamlObjectAsync(string path) => Assert.Single(await ReadYamlAsync(path))!.AsObject();

    /// <summary>A new temporary directory, deleted on dispose.</summary>
    public static DeployTempDir NewTempDir() => new(Directory.CreateTempSubdirectory("datatier-deploy-").FullName);

    private static async Task InstallAsync()
    {
        // npm's own record of what node_modules holds, written by every install: newer than package-lock.json means the
        // packages are those of the lock file already, as npm itself trusts it.
        var installed = new FileInfo(Path.Combine(ToolsDir, "node_modules", ".package-lock.json"));
        if (installed.Exists && installed.LastWriteTimeUtc >= File.GetLastWriteTimeUtc(Path.Combine(ToolsDir, "package-lock.json")))
        {
            return;
        }

        // npm ci installs exactly package-lock.json, the same on every machine; the registry is the only network it uses.
        var (code, stdout, stderr) = await RunAsync(Tool("npm", "npm"), ["ci", "--no-audit", "--no-fund"], ToolsDir);
        Assert.True(code == 0, $"npm ci in {ToolsDir} failed ({code}): {stdout}{stderr}");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DataTier.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("DataTier.sln not found above " + AppContext.BaseDirectory);
    }
}
