using System.Text.Json;
using DataTier.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace DataTier.IntegrationTests.Diagnostics;

// The host as Program builds it, its console formatter asked to write one entry.
[Collection(ClusterCollection.Name)]
public sealed class ConsoleLogFormatTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Logging_Console_FormatterName_json_makes_each_console_line_a_json_object()
    {
        string line = await FormatOneEntryAsync(new Dictionary<string, string?> { ["Logging:Console:FormatterName"] = "json" });
        using var json = JsonDocument.Parse(line);
        Assert.Equal(5101, json.RootElement.GetProperty("EventId").GetInt32());
        Assert.Equal("Information", json.RootElement.GetProperty("LogLevel").GetString());
        Assert.Equal("Shard s1 answered", json.RootElement.GetProperty("Message").GetString());
        Assert.Equal("s1", json.RootElement.GetProperty("State").GetProperty("ShardId").GetString());
    }

    [Fact]
    public async Task Without_the_setting_the_console_keeps_its_single_line_text()
    {
        string line = await FormatOneEntryAsync(null);
        Assert.StartsWith("info: Test[5101] Shard s1 answered", line, StringComparison.Ordinal);
    }

    private async Task<string> FormatOneEntryAsync(Dictionary<string, string?>? overrides)
    {
        await using var app = await DataTierServer.StartAsync(fixture, overrides, waitForProbe: false);
        var options = app.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue;
        Assert.Equal(overrides is null ? "simple" : "json", options.FormatterName);
        var formatter = app.Services.GetServices<ConsoleFormatter>().Single(f => f.Name == options.FormatterName);
        var state = new List<KeyValuePair<string, object?>> { new("ShardId", "s1"), new("{OriginalFormat}", "Shard {ShardId} answered") };
        var entry = new LogEntry<List<KeyValuePair<string, object?>>>(LogLevel.Information, "Test", new EventId(5101, "Answered"), state, null, static (_, _) => "Shard s1 answered");
        using var writer = new StringWriter();
        formatter.Write(entry, new LoggerExternalScopeProvider(), writer);
        return writer.ToString().Trim();
    }
}
