using System.Text.Json;
using BenchmarkDotNet.Attributes;
using DataTier.Core.Sql;

namespace DataTier.Benchmarks;

/// <summary>Parsing, classifying, fingerprinting and binding a statement: done for every request.</summary>
[MemoryDiagnoser]
public class SqlBenchmarks
{
    private const string PointRead = "select * from tasks where team_id = @team and status = @s";
    private const string Join =
        "select u.user_id, count(*) from users u join tasks t on t.team_id = u.team_id and t.user_id = u.user_id " +
        "join activity_logs a on a.team_id = u.team_id and a.user_id = u.user_id where u.team_id = @t group by u.user_id";

    private readonly string _large = "select * from tasks where team_id = @team and title in (" + string.Join(", ", Enumerable.Range(0, 150).Select(i => $"'title {i}'")) + ")";
    private readonly JsonElement _params = JsonDocument.Parse("{\"team\": \"team-42\", \"s\": \"open\"}").RootElement;
    private ParsedSql _parsed = null!;

    [GlobalSetup]
    public void Setup() => _parsed = SqlParser.Parse(PointRead);

    [Benchmark(Baseline = true)]
    public ParsedSql ParsePointRead() => SqlParser.Parse(PointRead);

    [Benchmark]
    public ParsedSql ParseJoin() => SqlParser.Parse(Join);

    [Benchmark]
    public ParsedSql ParseTwoKilobytes() => SqlParser.Parse(_large);

    [Benchmark]
    public object BindTwoParameters() => SqlParameterBinder.Bind(_parsed, _params);
}
