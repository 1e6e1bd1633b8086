using System.Text;
using DataTier.Core.Sql;

namespace DataTier.Core.Tests.Sql;

public sealed class SqlFingerprintTests
{
    private static string Fingerprint(string sql) => SqlParser.Parse(sql).Fingerprint;

    [Fact]
    public void Statements_differing_only_in_literals_share_a_fingerprint()
    {
        ParsedSql one = SqlParser.Parse("select * from tasks where id = 1");
        ParsedSql two = SqlParser.Parse("select * from tasks where id = 2");
        Assert.Equal(one.Fingerprint, two.Fingerprint);
        Assert.Equal(one.FingerprintId, two.FingerprintId);
        Assert.Equal("select * from tasks where id = ?", one.Fingerprint);
    }

    [Theory]
    [InlineData("SELECT * FROM tasks WHERE id=1", "select *   from tasks\n where id = 2 -- note")]
    [InlineData("select count(*) from t", "select count (*) from t /* c */")]
    [InlineData("select 1", "select 1;")]
    [InlineData("select * from t where a = 'x'", "select * from t where a = $$y$$")]
    [InlineData("select * from t where a = E'x\\''", "select * from t where a = @p")]
    [InlineData("select * from t where a = -1", "select * from t where a = 5")]
    [InlineData("select * from t where id in (1, 2, 3)", "select * from t where id IN (@a)")]
    [InlineData("select * from t where id = any(array[1, 2])", "select * from t where id = any(ARRAY[@a,@b,-3])")]
    [InlineData("select * from t where a = 'x'\n'y'", "select * from t where a = 'z'")]
    public void Equivalent_statements_share_a_fingerprint(string a, string b)
    {
        Assert.Equal(Fingerprint(a), Fingerprint(b));
        Assert.Equal(SqlParser.Parse(a).FingerprintId, SqlParser.Parse(b).FingerprintId);
    }

    [Theory]
    [InlineData("select * from t where id = 1", "select * from t where id = true")]
    [InlineData("select * from \"Users\"", "select * from users")]
    [InlineData("select a from t", "select b from t")]
    [InlineData("select * from t where a is null", "select * from t where a is not null")]
    [InlineData("select * from t where id in (1, 2)", "select * from t where id in (select id from u)")]
    public void Different_statements_have_different_fingerprints(string a, string b)
    {
        Assert.NotEqual(Fingerprint(a), Fingerprint(b));
        Assert.NotEqual(SqlParser.Parse(a).FingerprintId, SqlParser.Parse(b).FingerprintId);
    }

    [Theory]
    [InlineData(
        "SELECT t.Id, \"Name\" FROM Tasks t WHERE t.team_id = @team AND status = 'open' -- c\n ORDER BY t.Id LIMIT 10",
        "select t.id, \"Name\" from tasks t where t.team_id = ? and status = ? order by t.id limit ?")]
    [InlineData("select x::text, a[1:2] from t", "select x::text, a[?:?] from t")]
    [InlineData("insert into t(a, b) values (1, 'x') returning id", "insert into t(a, b) values (?, ?) returning id")]
    [InlineData("select * from t where id not in (1,2,3) and x in (select 1)", "select * from t where id not in (...) and x in (select ?)")]
    [InlineData("select a - 1, -2, f(-3)", "select a - ?, ?, f(?)")]
    [InlineData("select * from t where doc @> @p and tsv@@q", "select * from t where doc @> ? and tsv @@ q")]
    [InlineData("select TRUE, null, CURRENT_DATE", "select true, null, current_date")]
    [InlineData("with a as (select 1) select * from a", "with a as (select ?) select * from a")]
    [InlineData("select 'héllo', Café, \"Naïve\" from t", "select ?, café, \"Naïve\" from t")]
    public void Fingerprint_normalises_case_spacing_literals_and_lists(string sql, string expected)
    {
        Assert.Equal(expected, Fingerprint(sql));
    }

    [Fact]
    public void Fingerprint_id_is_fnv1a64_of_the_utf8_fingerprint_shown_as_16_hex_digits()
    {
        ParsedSql parsed = SqlParser.Parse("select 'x', café from t where id = @id");
        Assert.Equal(ReferenceFnv1a64(Encoding.UTF8.GetBytes(parsed.Fingerprint)), parsed.FingerprintId);
        Assert.Matches("^[0-9a-f]{16}$", parsed.FingerprintIdHex);
        Assert.Equal(parsed.FingerprintId, Convert.ToUInt64(parsed.FingerprintIdHex, 16));
    }

    [Fact]
    public void Fingerprint_id_is_stable_across_processes()
    {
        // Pinned value: a change here changes every stored digest id.
        Assert.Equal("select * from tasks where id = ?", Fingerprint("select * from tasks where id = 1"));
        Assert.Equal(ReferenceFnv1a64("select * from tasks where id = ?"u8), SqlParser.Parse("select * from tasks where id = 1").FingerprintId);
        Assert.Equal(0xcbf29ce484222325UL, Fnv1a64.HashUtf8(""));
        Assert.Equal(0xaf63dc4c8601ec8cUL, Fnv1a64.HashUtf8("a"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("select 1")]
    [InlineData("héllo wörld")]
    [InlineData("emoji 🎉 and 日本語")]
    [InlineData("lone \ud800 surrogate")]
    [InlineData("trailing \udc00")]
    public void Fnv1a64_hashes_the_same_bytes_as_Encoding_UTF8(string text)
    {
        Assert.Equal(ReferenceFnv1a64(Encoding.UTF8.GetBytes(text)), Fnv1a64.HashUtf8(text));
    }

    [Fact]
    public void Long_statement_fingerprint_outgrows_the_stack_buffer()
    {
        string sql = "select " + string.Join(", ", Enumerable.Range(0, 2000).Select(i => "col" + i)) + " from t";
        string fingerprint = Fingerprint(sql);
        Assert.StartsWith("select col0, col1, ", fingerprint, StringComparison.Ordinal);
        Assert.EndsWith("col1999 from t", fingerprint, StringComparison.Ordinal);
    }

    private static ulong ReferenceFnv1a64(ReadOnlySpan<byte> bytes)
    {
        ulong hash = 14695981039346656037;
        foreach (byte b in bytes)
        {
            hash = (hash ^ b) * 1099511628211;
        }

        return hash;
    }
}
