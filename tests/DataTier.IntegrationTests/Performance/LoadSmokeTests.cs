using System.Diagnostics;
using System.Globalization;
using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Performance;

/// <summary>
/// The CI smoke version of bench/run: each load mix of bench/load runs for about 3 s with wrk against a real server
/// on the test cluster and must finish without a socket error, a timeout or a non-2xx answer. Speed is not checked
/// here (bench/run and bench/compare do that); a mix that fails shows its first failed answer. wrk comes from the
/// Debian package 'wrk' (./datatier test installs it as root); without it these tests fail, never skip.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class LoadSmokeTests(ClusterFixture fixture)
{
    private const int Seconds = 3;

    public static TheoryData<string, int, int, string?> Mixes => new()
    {
        // script, connections, wrk threads, DT_CACHE
        { "hot_read.lua", 64, 2, "auto" },
        { "point_read.lua", 32, 2, "bypass" },
        { "point_read.lua", 32, 2, "auto" },
        { "aggregate.lua", 4, 2, "auto" },
        { "scatter.lua", 16, 2, null },
        { "writes.lua", 16, 2, null },
        // One connection per thread: each connection's session read carries the token of its own write.
        { "session.lua", 8, 8, null },
    };

    [Theory]
    [MemberData(nameof(Mixes))]
    public async Task Load_mix_runs_without_a_socket_error_or_a_failed_answer(string script, int connections, int threads, string? cache)
    {
        string wrk = Wrk();
        string prefix = "loadsmoke-" + Guid.NewGuid().ToString("N")[..8];
        using var keys = await LoadKeyFiles.WriteAsync(fixture, prefix);
        await using var server = await DataTierServer.StartAsync(fixture);

        var start = new ProcessStartInfo(wrk)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[]
        {
            "-t", threads.ToString(CultureInfo.InvariantCulture), "-c", connections.ToString(CultureInfo.InvariantCulture),
            "-d", $"{Seconds}s", "--timeout", "10s", "-s", Path.Combine(LoadDir(), script), server.BaseAddress.ToString().TrimEnd('/'),
        })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DT_API_KEY"] = fixture.Manifest.Keys.App;
        start.Environment["DT_DATA_DIR"] = keys.Dir;
        start.Environment["DT_TRACK_STATUS"] = "1";
        if (cache is not null)
        {
            start.Environment["DT_CACHE"] = cache;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(Seconds + 60));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"wrk with {script} ran past its {Seconds + 60} s bound");
        }

        string output = await stdout;
        var summary = WrkSummary.Find(output);
        Assert.True(summary is not null, $"wrk printed no summary for {script} (a Lua error makes wrk send plain GETs):\n{await stderr}\n{output}");
        Assert.True(summary!.Requests > 0, $"{script}: wrk completed no request");
        string failures = $"{script}: {summary.Requests} requests, socket errors {summary.Errors.Socket}, timeouts {summary.Errors.Timeout}, " +
            $"statuses {string.Join(", ", summary.Statuses.Select(kv => $"{kv.Key} x{kv.Value}"))}; first failed answer: {summary.FirstError ?? "none"}";
        Assert.True(summary.Errors.Socket == 0 && summary.Errors.Timeout == 0, failures);
        Assert.True(summary.Errors.Status == 0 && summary.NonSuccess == 0, failures);
        Assert.Equal(summary.Requests, summary.Statuses.Values.Sum());
    }

    private static string Wrk()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
        {
            string path = Path.Combine(dir, "wrk");
            if (File.Exists(path))
            {
                return path;
            }
        }

        Assert.Fail("wrk is not installed: install the Debian package 'wrk' (apt-get install wrk; ./datatier test does so as root).");
        return "";
    }

    private static string LoadDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DataTier.sln")))
            {
                return Path.Combine(dir.FullName, "bench", "load");
            }
        }

        throw new InvalidOperationException("DataTier.sln not found above " + AppContext.BaseDirectory);
    }
}
