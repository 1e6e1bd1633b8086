using System.Text;
using DataTier.Core.Sql;

namespace DataTier.Core.Tests.Sql;

public sealed class SqlParserParameterTests
{
    [Fact]
    public void Named_parameters_become_positional_in_order_of_first_appearance()
    {
        ParsedSql parsed = SqlParser.Parse("select * from tasks where team_id = @team and status = @s");
        Assert.Equal("select * from tasks where team_id = $1 and status = $2", parsed.PositionalSql);
        Assert.Equal(new[] { "team", "s" }, parsed.ParameterNames);
    }

    [Fact]
    public void Repeated_parameter_keeps_its_first_number()
    {
        ParsedSql parsed = SqlParser.Parse("select @a + @b + @a, @b");
        Assert.Equal("select $1 + $2 + $1, $2", parsed.PositionalSql);
        Assert.Equal(new[] { "a", "b" }, parsed.ParameterNames);
    }

    [Theory]
    [InlineData("select * from t where doc @> @filter", "select * from t where doc @> $1")]
    [InlineData("select * from t where x@>@p", "select * from t where x@>$1")]
    [InlineData("select * from t where doc <@ @p and tsv @@ @q", "select * from t where doc <@ $1 and tsv @@ $2")]
    [InlineData("select @p", "select $1")]
    [InlineData("select (@p)", "select ($1)")]
    [InlineData("select * from t where id = @p", "select * from t where id = $1")]
    [InlineData("select * from t where id in (@a, @b)", "select * from t where id in ($1, $2)")]
    [InlineData("select @p::int", "select $1::int")]
    [InlineData("select * from t where id = any(@ids)", "select * from t where id = any($1)")]
    [InlineData("select @x; -- trailing", "select $1; -- trailing")]
    public void Parameters_next_to_operators_are_rewritten(string sql, string positional)
    {
        Assert.Equal(positional, SqlParser.Parse(sql).PositionalSql);
    }

    [Fact]
    public void Jsonb_containment_between_columns_has_no_parameters()
    {
        ParsedSql parsed = SqlParser.Parse("select * from t where a @> b and c@>d");
        Assert.Empty(parsed.ParameterNames);
        Assert.Same(parsed.Sql, parsed.PositionalSql);
    }

    [Fact]
    public void Everything_but_parameters_is_preserved_byte_for_byte()
    {
        const string sql = "SELECT '@no', \"@col\", $$@x$$, e'@y\\'', U&'@u' /* @z */ -- @w\n, @real\r\n\tFROM  t";
        ParsedSql parsed = SqlParser.Parse(sql);
        Assert.Equal(new[] { "real" }, parsed.ParameterNames);
        Assert.Equal(sql.Replace("@real", "$1", StringComparison.Ordinal), parsed.PositionalSql);
    }

    [Fact]
    public void Parameter_names_are_case_sensitive()
    {
        ParsedSql parsed = SqlParser.Parse("select @Team, @team");
        Assert.Equal(new[] { "Team", "team" }, parsed.ParameterNames);
        Assert.Equal("select $1, $2", parsed.PositionalSql);
    }

    [Fact]
    public void Unicode_around_parameters_is_preserved()
    {
        const string sql = "select 'héllo 🎉', \"naïve\" from tâches where nom = @nom and x = '日本'";
        ParsedSql parsed = SqlParser.Parse(sql);
        Assert.Equal("select 'héllo 🎉', \"naïve\" from tâches where nom = $1 and x = '日本'", parsed.PositionalSql);
    }

    [Fact]
    public void Many_parameters_get_multi_digit_numbers_and_are_looked_up_by_name()
    {
        string[] names = Enumerable.Range(0, 25).Select(i => ((char)('a' + i)).ToString()).ToArray();
        string sql = "select " + string.Join(", ", names.Select(n => "@" + n)) + ", @y, @a";
        ParsedSql parsed = SqlParser.Parse(sql);

        Assert.Equal(names, parsed.ParameterNames);
        string expected = "select " + string.Join(", ", names.Select((_, i) => "$" + (i + 1))) + ", $25, $1";
        Assert.Equal(expected, parsed.PositionalSql);
        for (int i = 0; i < names.Length; i++)
        {
            Assert.Equal(i, parsed.IndexOfParameter(names[i]));
        }

        Assert.Equal(-1, parsed.IndexOfParameter("A"));
        Assert.Equal(-1, parsed.IndexOfParameter("z"));
    }

    [Fact]
    public void Statement_without_parameters_reuses_the_original_string()
    {
        ParsedSql parsed = SqlParser.Parse("select 1");
        Assert.Same(parsed.Sql, parsed.PositionalSql);
        Assert.Empty(parsed.ParameterNames);
        Assert.Equal(-1, parsed.IndexOfParameter("x"));
    }

    [Fact]
    public void Positional_placeholder_is_refused()
    {
        var error = Assert.Throws<SqlRejectedException>(() => SqlParser.Parse("select * from t where id = $1"));
        Assert.Equal(SqlRejectionCodes.PositionalParameter, error.Code);
    }

    [Fact]
    public void Dollar_digit_inside_an_identifier_is_not_a_placeholder()
    {
        Assert.Empty(SqlParser.Parse("select a$1 from t").ParameterNames);
    }

    [Fact]
    public void Up_to_the_protocol_limit_of_distinct_parameters_is_accepted_and_one_more_is_refused()
    {
        var sql = new StringBuilder("select ");
        for (int i = 0; i < SqlParser.MaxParameters; i++)
        {
            sql.Append("@p").Append(i).Append(',');
        }

        string atLimit = sql.ToString() + "@p0";
        ParsedSql parsed = SqlParser.Parse(atLimit);
        Assert.Equal(SqlParser.MaxParameters, parsed.ParameterNames.Length);
        Assert.EndsWith(",$65535,$1", parsed.PositionalSql, StringComparison.Ordinal);

        var error = Assert.Throws<SqlRejectedException>(() => SqlParser.Parse(sql.ToString() + "@extra"));
        Assert.Equal(SqlRejectionCodes.TooManyParameters, error.Code);
    }
}
