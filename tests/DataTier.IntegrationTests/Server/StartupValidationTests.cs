using DataTier.Server.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace DataTier.IntegrationTests.Server;

public sealed class StartupValidationTests
{
    private const string Conn = "Host=127.0.0.1;Port=1;Database=x;Username=u;Password=p";

    private static Dictionary<string, string?> ValidConfig() => new()
    {
        ["DataTier:Topology:Shards:0:Id"] = "s1",
        ["DataTier:Topology:Shards:0:Primary"] = Conn,
        ["DataTier:Topology:Shards:1:Id"] = "s2",
        ["DataTier:Topology:Shards:1:Primary"] = Conn,
        ["DataTier:Auth:Keys:0:Name"] = "admin",
        ["DataTier:Auth:Keys:0:Sha256"] = new string('a', 64),
        ["DataTier:Auth:Keys:0:Scopes:0"] = "admin",
        ["DataTier:Tokens:SigningKey"] = Convert.ToBase64String(new byte[32]),
    };

    [Theory]
    [InlineData("DataTier:Topology:Shards:1:Primary", "", "DataTier:Topology:Shards:1:Primary is missing for shard 's2'")]
    [InlineData("DataTier:Topology:Shards:1:Weight", "0", "DataTier:Topology:Shards:1:Weight is 0 for shard 's2'")]
    [InlineData("DataTier:Topology:Shards:1:Id", "s1", "DataTier:Topology:Shards:1:Id 's1' is used by two shards")]
    [InlineData("DataTier:Tokens:SigningKey", "", "DataTier:Tokens:SigningKey is missing")]
    [InlineData("DataTier:Auth:Keys:0:Scopes:0", "root", "DataTier:Auth:Keys:0:Scopes has 'root'")]
    [InlineData("DataTier:Pool:MaxPoolSize", "0", "DataTier:Pool:MaxPoolSize is 0")]
    [InlineData("DataTier:Routing:ReplicaPolicy", "random", "DataTier:Routing:ReplicaPolicy is 'random'")]
    [InlineData("DataTier:DataApi:IdempotencyRetentionHours", "0", "IdempotencyRetentionHours")]
    [InlineData("DataTier:RateLimit:Burst", "-1", "DataTier:RateLimit:RequestsPerSecond (100000) and Burst (-1) must be 0 or more.")]
    [InlineData("DataTier:Compression:BrotliQuality", "12", "DataTier:Compression:BrotliQuality is 12; it must be between 0 (fastest) and 11 (smallest).")]
    public async Task A_bad_setting_stops_start_up_with_a_message_that_names_it(string key, string value, string expected)
    {
        var config = ValidConfig();
        config[key] = value;
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var app = DataTierHost.Build(["--urls", "http://127.0.0.1:0"], b => b.Configuration.AddInMemoryCollection(config));
            await app.StartAsync();
            await app.StopAsync();
        });
        Assert.Contains(expected, Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_valid_configuration_starts()
    {
        await using var app = DataTierHost.Build(["--urls", "http://127.0.0.1:0"], b => b.Configuration.AddInMemoryCollection(ValidConfig()));
        await app.StartAsync();
        await app.StopAsync();
    }

    private static string Flatten(Exception error)
    {
        var text = new System.Text.StringBuilder();
        for (var e = error; e is not null; e = e.InnerException)
        {
            text.AppendLine(e.Message);
            if (e is OptionsValidationException ove)
            {
                text.AppendLine(string.Join("\n", ove.Failures));
            }
        }

        return text.ToString();
    }
}
