using DataTier.Core.Sql;

namespace DataTier.Core.Tests.Sql;

public sealed class SqlLexerTests
{
    internal static List<(SqlTokenKind Kind, string Text)> Lex(string sql)
    {
        var tokens = new List<(SqlTokenKind, string)>();
        var lexer = new SqlLexer(sql);
        while (lexer.TryRead(out SqlToken token))
        {
            tokens.Add((token.Kind, sql.Substring(token.Start, token.Length)));
        }

        return tokens;
    }

    private static string Describe(string sql) =>
        string.Join(" ", Lex(sql).Select(t => $"{t.Kind}:{t.Text}"));

    [Theory]
    [InlineData("a @> b", "Word:a Operator:@> Word:b")]
    [InlineData("x@>@p", "Word:x Operator:@> Parameter:@p")]
    [InlineData("@p", "Parameter:@p")]
    [InlineData("(@p)", "OpenParen:( Parameter:@p CloseParen:)")]
    [InlineData("= @p", "Operator:= Parameter:@p")]
    [InlineData("id=@p", "Word:id Operator:= Parameter:@p")]
    [InlineData("in (@a, @b)", "Word:in OpenParen:( Parameter:@a Comma:, Parameter:@b CloseParen:)")]
    [InlineData("@p::int", "Parameter:@p Typecast::: Word:int")]
    [InlineData("select @p", "Word:select Parameter:@p")]
    [InlineData("SELECT@p", "Word:SELECT Parameter:@p")]
    [InlineData("where not @flag", "Word:where Word:not Parameter:@flag")]
    [InlineData("limit @n offset @o", "Word:limit Parameter:@n Word:offset Parameter:@o")]
    [InlineData("between @a and @b", "Word:between Parameter:@a Word:and Parameter:@b")]
    [InlineData("case when @a then @b else @c end", "Word:case Word:when Parameter:@a Word:then Parameter:@b Word:else Parameter:@c Word:end")]
    [InlineData("at time zone @tz", "Word:at Word:time Word:zone Parameter:@tz")]
    [InlineData("a[@i]", "Word:a OpenBracket:[ Parameter:@i CloseBracket:]")]
    [InlineData("a=-@p", "Word:a Operator:= Operator:- Parameter:@p")]
    [InlineData("x||@p", "Word:x Operator:|| Parameter:@p")]
    [InlineData("f(a => @p)", "Word:f OpenParen:( Word:a Operator:=> Parameter:@p CloseParen:)")]
    [InlineData("select @_p1", "Word:select Parameter:@_p1")]
    [InlineData("doc <@ @p", "Word:doc Operator:<@ Parameter:@p")]
    [InlineData("doc<@@p", "Word:doc Operator:<@ Parameter:@p")]
    public void At_sign_followed_by_a_name_where_an_operand_is_expected_is_a_parameter(string sql, string expected)
    {
        Assert.Equal(expected, Describe(sql));
    }

    [Theory]
    [InlineData("x @p", "Word:x Operator:@ Word:p")]
    [InlineData("(x)@p", "OpenParen:( Word:x CloseParen:) Operator:@ Word:p")]
    [InlineData("1@p", "Number:1 Operator:@ Word:p")]
    [InlineData("'a'@p", "String:'a' Operator:@ Word:p")]
    [InlineData("\"Col\"@p", "QuotedIdentifier:\"Col\" Operator:@ Word:p")]
    [InlineData("tsv@@q", "Word:tsv Operator:@@ Word:q")]
    [InlineData("select @@q", "Word:select Operator:@@ Word:q")]
    [InlineData("select @ -5", "Word:select Operator:@ Operator:- Number:5")]
    [InlineData("select @1", "Word:select Operator:@ Number:1")]
    [InlineData("'a@b.com'", "String:'a@b.com'")]
    [InlineData("x @-@ y", "Word:x Operator:@-@ Word:y")]
    public void At_sign_after_an_operand_or_before_a_non_name_is_an_operator(string sql, string expected)
    {
        Assert.Equal(expected, Describe(sql));
    }

    [Fact]
    public void Triple_at_sign_before_a_name_is_text_search_operator_then_parameter()
    {
        Assert.Equal("Word:tsv Operator:@@ Parameter:@q", Describe("tsv@@@q"));
    }

    [Theory]
    [InlineData("'it''s'", "String:'it''s'")]
    [InlineData("e'\\''", "String:e'\\''")]
    [InlineData("E'\\\\' x", "String:E'\\\\' Word:x")]
    [InlineData("E'a''b'", "String:E'a''b'")]
    [InlineData("'\\' x", "String:'\\' Word:x")]
    [InlineData("B'101' X'1F' N'abc'", "String:B'101' String:X'1F' String:N'abc'")]
    [InlineData("U&'d\\0061t'", "String:U&'d\\0061t'")]
    [InlineData("U&\"d\\0061t\"", "QuotedIdentifier:U&\"d\\0061t\"")]
    [InlineData("\"a\"\"b\"", "QuotedIdentifier:\"a\"\"b\"")]
    [InlineData("abe'x'", "Word:abe String:'x'")]
    [InlineData("'a' 'b'", "String:'a' String:'b'")]
    public void Quoted_literals_are_single_tokens_with_their_escapes(string sql, string expected)
    {
        Assert.Equal(expected, Describe(sql));
    }

    [Theory]
    [InlineData("'a'\n'b'")]
    [InlineData("'a'  \r\n  'b'")]
    [InlineData("'a' -- comment\n 'b'")]
    public void String_continued_across_a_newline_is_one_literal(string sql)
    {
        var tokens = Lex(sql);
        Assert.Single(tokens);
        Assert.Equal(SqlTokenKind.String, tokens[0].Kind);
    }

    [Fact]
    public void String_continuation_keeps_E_escaping_of_the_first_segment()
    {
        // PostgreSQL scans the continuation in E mode, so \' there does not end the literal.
        string sql = "E'a'\n'\\'; drop table t; --' x";
        var tokens = Lex(sql);
        Assert.Equal(SqlTokenKind.String, tokens[0].Kind);
        Assert.Equal("E'a'\n'\\'; drop table t; --'", tokens[0].Text);
        Assert.Equal("x", tokens[1].Text);
    }

    [Theory]
    [InlineData("$$;$$", "DollarString:$$;$$")]
    [InlineData("$tag$ $$ ; ' $tag$ x", "DollarString:$tag$ $$ ; ' $tag$ Word:x")]
    [InlineData("$a$ $b$ $a$", "DollarString:$a$ $b$ $a$")]
    [InlineData("$a$x$ab$a$", "DollarString:$a$x$ab$a$")]
    [InlineData("a$$b", "Word:a$$b")]
    [InlineData("a$1", "Word:a$1")]
    [InlineData("$é$ ; $é$", "DollarString:$é$ ; $é$")]
    [InlineData("1$$x$$", "Number:1 DollarString:$$x$$")]
    [InlineData("$foo", "Other:$ Word:foo")]
    public void Dollar_quotes_follow_PostgreSQL_rules(string sql, string expected)
    {
        Assert.Equal(expected, Describe(sql));
    }

    [Theory]
    [InlineData("/* a /* b ; */ c ; */ x", "Word:x")]
    [InlineData("-- ; drop\nx", "Word:x")]
    [InlineData("x -- ;", "Word:x")]
    [InlineData("/**/x/***/", "Word:x")]
    [InlineData("1*/*c*/2", "Number:1 Operator:* Number:2")]
    [InlineData("1+--c\n2", "Number:1 Operator:+ Number:2")]
    [InlineData("1-/* c */2", "Number:1 Operator:- Number:2")]
    public void Comments_are_skipped_and_cut_operator_runs(string sql, string expected)
    {
        Assert.Equal(expected, Describe(sql));
    }

    [Theory]
    [InlineData("=-1", "Operator:= Operator:- Number:1")]
    [InlineData("a<>b", "Word:a Operator:<> Word:b")]
    [InlineData("x::text", "Word:x Typecast::: Word:text")]
    [InlineData("a[1:2]", "Word:a OpenBracket:[ Number:1 Colon:: Number:2 CloseBracket:]")]
    [InlineData("x := 1", "Word:x Operator::= Number:1")]
    [InlineData("a ?| b", "Word:a Operator:?| Word:b")]
    [InlineData("a @? b", "Word:a Operator:@? Word:b")]
    [InlineData("t.c", "Word:t Dot:. Word:c")]
    public void Operators_and_punctuation(string sql, string expected)
    {
        Assert.Equal(expected, Describe(sql));
    }

    [Theory]
    [InlineData("1.5e10", "Number:1.5e10")]
    [InlineData(".5", "Number:.5")]
    [InlineData("1.", "Number:1.")]
    [InlineData("1e-3", "Number:1e-3")]
    [InlineData("0x1F", "Number:0x1F")]
    [InlineData("0o17 0b101", "Number:0o17 Number:0b101")]
    [InlineData("1_000_000", "Number:1_000_000")]
    [InlineData("1..2", "Number:1 Dot:.. Number:2")]
    [InlineData("1into", "Number:1 Word:into")]
    [InlineData("1e", "Number:1 Word:e")]
    public void Numbers(string sql, string expected)
    {
        Assert.Equal(expected, Describe(sql));
    }

    [Theory]
    [InlineData("café", "Word:café")]
    [InlineData("\"naïve col\"", "QuotedIdentifier:\"naïve col\"")]
    [InlineData("'héllo 🎉'", "String:'héllo 🎉'")]
    [InlineData("select\u00a0x", "Word:select\u00a0x")]
    [InlineData("日本語 x", "Word:日本語 Word:x")]
    public void Non_ASCII_characters_are_identifier_characters_as_in_PostgreSQL(string sql, string expected)
    {
        Assert.Equal(expected, Describe(sql));
    }

    [Theory]
    [InlineData("select 'abc")]
    [InlineData("select 'it''s")]
    [InlineData("select e'abc\\'")]
    [InlineData("select e'abc\\")]
    [InlineData("select \"abc")]
    [InlineData("select $$abc")]
    [InlineData("select $a$ x $b$")]
    [InlineData("select 1 /* unterminated")]
    [InlineData("select 1 /* a /* b */")]
    [InlineData("select U&'abc")]
    public void Unterminated_literal_or_comment_is_rejected(string sql)
    {
        var error = Assert.Throws<SqlRejectedException>(() => Lex(sql));
        Assert.Equal(SqlRejectionCodes.UnterminatedLiteral, error.Code);
        Assert.NotNull(error.Position);
    }

    [Theory]
    [InlineData("select $1", 7)]
    [InlineData("select * from t where a = $12", 26)]
    public void Positional_parameter_is_rejected_with_its_offset(string sql, int offset)
    {
        var error = Assert.Throws<SqlRejectedException>(() => Lex(sql));
        Assert.Equal(SqlRejectionCodes.PositionalParameter, error.Code);
        Assert.Equal(offset, error.Position);
        Assert.Contains("@", error.Message);
    }

    [Fact]
    public void Parameter_name_running_into_non_ASCII_is_rejected()
    {
        var error = Assert.Throws<SqlRejectedException>(() => Lex("select @pé"));
        Assert.Equal(SqlRejectionCodes.BadParameter, error.Code);
    }

    [Fact]
    public void Whitespace_only_yields_no_tokens()
    {
        Assert.Empty(Lex(" \t\r\n\f\v"));
    }
}
