using DataTier.Postgres.Hosting;
using Microsoft.Extensions.Configuration;

namespace DataTier.Postgres.Tests.Hosting;

public sealed class PostgresOptionsValidatorTests
{
    [Fact]
    public void Defaults_are_valid() => Assert.True(new PostgresOptionsValidator().Validate(null, new PostgresOptions()).Succeeded);

    [Fact]
    public void Every_bad_setting_is_reported_with_its_name_and_value()
    {
        var result = new PostgresOptionsValidator().Validate(null, new PostgresOptions
        {
            Port = 70000,
            ListenAddress = "localhost",
            BackendPoolSize = 0,
            BackendWaitMs = -5,
            MaxMessageBytes = 10,
        });
        Assert.False(result.Succeeded);
        var failures = result.Failures!.ToList();
        Assert.Contains(failures, f => f.Contains("DataTier:Postgres:Port is 70000", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("ListenAddress is 'localhost'", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("BackendPoolSize is 0", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("BackendWaitMs is -5", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("MaxMessageBytes is 10", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("urls", "http://127.0.0.1:5005;http://localhost:6006", "http://127.0.0.1:5005|http://localhost:6006")]
    [InlineData("http_ports", "8080", "http://*:8080")]
    [InlineData(null, null, "http://localhost:5000")]
    public void Http_urls_are_the_hosts_configured_ones(string? key, string? value, string expected)
    {
        var values = new Dictionary<string, string?>();
        if (key is not null)
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        Assert.Equal(expected, string.Join('|', PostgresKestrelSetup.HttpUrls(configuration)));
    }
}
