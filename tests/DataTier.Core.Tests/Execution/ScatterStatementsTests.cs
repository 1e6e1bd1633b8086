using DataTier.Core.Execution;

namespace DataTier.Core.Tests.Execution;

public sealed class ScatterStatementsTests
{
    [Fact]
    public void Unwrap_gives_back_the_callers_statement_from_what_each_shard_ran()
    {
        const string caller = "select task_id, created_at from tasks where title = $1 order by created_at desc limit 5";
        var wrapped = ScatterStatements.ForShard(new BoundStatement(caller, [], "f"), [new SortColumn("created_at", true)], 5, 1000);
        Assert.NotEqual(caller, wrapped.Sql);
        Assert.Equal(caller, ScatterStatements.Unwrap(wrapped.Sql));
        // As pg_stat_statements records it: the wrapper's limit is a placeholder too.
        Assert.Equal(caller, ScatterStatements.Unwrap("select * from (" + caller + "\n) as dt_scatter order by \"created_at\" desc limit $2"));
    }

    [Fact]
    public void Unwrap_leaves_a_statement_that_was_not_wrapped()
    {
        Assert.Null(ScatterStatements.Unwrap("select count(*) from tasks where title = $1"));
        Assert.Null(ScatterStatements.Unwrap("select * from (select 1) as t"));
    }
}
