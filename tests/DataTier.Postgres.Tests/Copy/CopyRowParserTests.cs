using System.Text;
using DataTier.Core.Sql.Tree;
using DataTier.Postgres.Copy;

namespace DataTier.Postgres.Tests.Copy;

/// <summary>Cutting COPY data into rows across CopyData messages, and reading the shard key field as PostgreSQL reads it.</summary>
public sealed class CopyRowParserTests
{
    private static CopyRowParser Parser(string copy, string key = "team_id") =>
        new(CopyFormat.From(Assert.Single(PgSqlAnalyzer.Analyze(copy).Statements).Analysis.Copy!, key));

    /// <summary>Feeds <paramref name="data"/> in chunks of <paramref name="chunk"/> bytes and returns the rows found.</summary>
    private static List<string> Rows(CopyRowParser parser, string data, int chunk)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(data);
        var rows = new List<string>();
        var carry = new List<byte>();
        for (int offset = 0; offset < bytes.Length; offset += chunk)
        {
            var part = bytes.AsSpan(offset, Math.Min(chunk, bytes.Length - offset));
            int at = 0;
            while (at < part.Length)
            {
                int end = parser.FindRowEnd(part, at);
                if (end < 0)
                {
                    carry.AddRange(part[at..].ToArray());
                    break;
                }

                carry.AddRange(part[at..end].ToArray());
                rows.Add(Encoding.UTF8.GetString([.. carry]));
                carry.Clear();
                at = end;
            }
        }

        return rows;
    }

    private static (CopyKey Kind, string? Key) Key(CopyRowParser parser, string row, int index)
    {
        var kind = parser.ReadKey(Encoding.UTF8.GetBytes(row), index, out string? key);
        return (kind, key);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(1000)]
    public void Text_rows_end_at_unescaped_newlines_whatever_the_chunks(int chunk)
    {
        var rows = Rows(Parser("copy tasks from stdin"), "a\tb\\\nc\nd\\\\\te\n", chunk);

        Assert.Equal(["a\tb\\\nc\n", "d\\\\\te\n"], rows);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(1000)]
    public void Csv_rows_end_at_unquoted_newlines_whatever_the_chunks(int chunk)
    {
        var rows = Rows(Parser("copy tasks from stdin csv"), "\"x\ny\",\"a\"\"\n\"\r\nk,v\n", chunk);

        Assert.Equal(["\"x\ny\",\"a\"\"\n\"\r\n", "k,v\n"], rows);
    }

    [Fact]
    public void Text_key_is_unescaped_and_the_null_marker_is_null()
    {
        var parser = Parser("copy tasks from stdin");

        Assert.Equal((CopyKey.Value, "te\tam-\u00e9A"), Key(parser, "x\tte\\tam-\u00e9\\101\tz\n", 1));
        Assert.Equal((CopyKey.Null, null), Key(parser, "x\t\\N\n", 1));
        Assert.Equal((CopyKey.Missing, null), Key(parser, "x\n", 1));
    }

    [Fact]
    public void Csv_key_is_unquoted_and_only_an_unquoted_null_marker_is_null()
    {
        var parser = Parser("copy tasks from stdin with (format csv, delimiter ';')");

        Assert.Equal((CopyKey.Value, "a;\"b"), Key(parser, "1;\"a;\"\"b\";2\r\n", 1));
        Assert.Equal((CopyKey.Null, null), Key(parser, "1;;2\n", 1));
        Assert.Equal((CopyKey.Value, ""), Key(parser, "1;\"\";2\n", 1));
    }

    [Fact]
    public void Force_not_null_makes_an_unquoted_empty_key_a_value()
    {
        Assert.Equal((CopyKey.Value, ""), Key(Parser("copy tasks from stdin csv force not null team_id"), "1,,2\n", 1));
    }

    [Fact]
    public void End_marker_is_recognised()
    {
        Assert.True(CopyRowParser.IsEndMarker("\\.\n"u8));
        Assert.True(CopyRowParser.IsEndMarker("\\.\r\n"u8));
        Assert.False(CopyRowParser.IsEndMarker("\\.x\n"u8));
    }
}
