using DataTier.Core.Sql.Tree;

namespace DataTier.Core.Tests.Sql.Tree;

/// <summary>sqlcommenter-style hints in block and line comments, and comment-like text that is not a comment.</summary>
public sealed class SqlCommentHintsTests
{
    private static string Hints(string sql) => string.Join(", ", SqlCommentHints.Scan(sql).Select(static h => $"{h.Key}={h.Value}"));

    [Fact]
    public void Block_comment_hint_is_read()
    {
        Assert.Equal("shard_key=team-42", Hints("/* shard_key='team-42' */ select * from tasks"));
    }

    [Fact]
    public void Trailing_sqlcommenter_comment_with_several_pairs_is_read()
    {
        Assert.Equal(
            "action=list, consistency=strong, shard_key=team-42",
            Hints("select * from tasks /*action='list',consistency='strong',shard_key='team-42'*/"));
    }

    [Fact]
    public void Spaces_around_equals_and_commas_are_allowed()
    {
        Assert.Equal("shard_key=x, consistency=session", Hints("select 1 /*  shard_key = 'x' ,  consistency = 'session'  */"));
    }

    [Fact]
    public void Line_comment_hint_is_read()
    {
        Assert.Equal("shard_key=x", Hints("select * from tasks -- shard_key='x'\nwhere true"));
    }

    [Fact]
    public void Url_encoded_keys_and_values_are_decoded()
    {
        Assert.Equal(
            "shard_key=team 42/é, route key=a'b",
            Hints("select 1 /*shard_key='team%2042%2F%C3%A9',route%20key='a%27b'*/"));
    }

    [Fact]
    public void Backslash_escaped_quote_in_a_value_is_decoded()
    {
        Assert.Equal("shard_key=it's", Hints(@"select 1 /*shard_key='it\'s'*/"));
    }

    [Fact]
    public void Hints_from_every_comment_are_returned_in_order()
    {
        Assert.Equal("shard_key=a, consistency=strong, shard_key=b", Hints("/*shard_key='a'*/ select 1 -- consistency='strong'\n /* shard_key='b' */"));
    }

    [Theory]
    [InlineData("select '/* shard_key=''x'' */' as s")]
    [InlineData("select '-- shard_key=''x''' as s")]
    [InlineData("select E'\\' /* shard_key=''x'' */' as s")]
    [InlineData("select $$ /* shard_key='x' */ $$")]
    [InlineData("select $tag$ -- shard_key='x'\n $tag$")]
    [InlineData("select 1 as \"/* shard_key='x' */\"")]
    [InlineData("select E'a'\n'\\' /* shard_key=''x'' */'")]
    public void Comment_like_text_inside_literals_and_identifiers_is_not_a_hint(string sql)
    {
        Assert.Empty(SqlCommentHints.Scan(sql));
    }

    [Fact]
    public void Dollar_in_identifiers_and_parameters_does_not_start_a_dollar_quote()
    {
        Assert.Equal("shard_key=x", Hints("select a$$b, $1 /* shard_key='x' */ from t$$"));
    }

    [Fact]
    public void String_after_a_plain_string_ends_at_its_own_quote()
    {
        Assert.Equal("shard_key=x", Hints("select 'a\\' /* shard_key='x' */"));
    }

    [Theory]
    [InlineData("select 1 /* shard_key */")]
    [InlineData("select 1 /* shard_key=x */")]
    [InlineData("select 1 /* route by shard_key='x' please */")]
    [InlineData("select 1 /* shard_key='x' trailing */")]
    [InlineData("select 1 /* shard_key='x', */")]
    [InlineData("select 1 /* shard_key='unterminated */")]
    [InlineData("select 1 /**/")]
    public void Comment_that_is_not_only_key_value_pairs_gives_no_hints(string sql)
    {
        Assert.Empty(SqlCommentHints.Scan(sql));
    }

    [Fact]
    public void Nested_block_comment_is_one_comment_and_not_a_list_of_pairs()
    {
        Assert.Empty(SqlCommentHints.Scan("select 1 /* outer /* shard_key='x' */ still outer */"));
    }

    [Fact]
    public void Comment_after_a_nested_comment_is_still_read()
    {
        Assert.Equal("shard_key=y", Hints("select 1 /* a /* b */ c */ /* shard_key='y' */"));
    }
}
