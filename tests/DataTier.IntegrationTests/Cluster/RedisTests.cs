using System.Net.Sockets;
using System.Text;
using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class RedisTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Redis_answers_ping_and_comes_back_after_the_handle_stops_and_starts_it()
    {
        Assert.True(fixture.Manifest.Redis is not null, "The cluster has no Redis: is redis-server installed (apt-get install redis-server)?");
        int port = int.Parse(fixture.Manifest.Redis!.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("+PONG", await PingAsync(port));

        await fixture.Cluster.StopRedisAsync();
        Assert.False(fixture.Cluster.IsRedisRunning);
        await Assert.ThrowsAsync<SocketException>(() => PingAsync(port));

        await fixture.Cluster.StartRedisAsync();
        Assert.True(fixture.Cluster.IsRedisRunning);
        Assert.Equal("+PONG", await PingAsync(port));
    }

    private static async Task<string> PingAsync(int port)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        await using var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("PING\r\n"));
        var buffer = new byte[64];
        int read = await stream.ReadAsync(buffer);
        return Encoding.ASCII.GetString(buffer, 0, read).TrimEnd();
    }
}
