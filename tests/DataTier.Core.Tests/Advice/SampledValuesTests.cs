using DataTier.Core.Advice;

namespace DataTier.Core.Tests.Advice;

public sealed class SampledValuesTests
{
    private static PlanFacts Facts(params (string Column, string Operator, int Parameter)[] parameters)
    {
        var access = new TableAccess("public", "tasks");
        access.Parameters.AddRange(parameters);
        return new PlanFacts(100, [access]);
    }

    private static QualPredicate Sample(string column, string op, string value) => new(1, "tasks", column, op, value);

    [Fact]
    public void A_value_every_sample_agrees_on_is_inlined_and_the_other_parameters_renumbered()
    {
        string sql = SampledValues.Inline("select * from tasks where status = $1 and team_id = $2 order by created_at",
            Facts(("status", "=", 1), ("team_id", "=", 2)),
            [Sample("status", "=", "'open'::text"), Sample("team_id", "=", "7"), Sample("team_id", "=", "8")]);
        Assert.Equal("select * from tasks where status = ('open'::text) and team_id = $1 order by created_at", sql);
    }

    [Fact]
    public void A_like_parameter_is_inlined_only_when_every_sampled_pattern_is_a_prefix()
    {
        const string sql = "select count(*) from tasks where title like $1";
        Assert.Equal("select count(*) from tasks where title like ('ab%'::text)",
            SampledValues.Inline(sql, Facts(("title", "~~", 1)), [Sample("title", "~~", "'ab%'::text"), Sample("title", "~~", "'cd%'::text")]));
        Assert.Equal(sql, SampledValues.Inline(sql, Facts(("title", "~~", 1)), [Sample("title", "~~", "'ab%'::text"), Sample("title", "~~", "'%cd'::text")]));
    }
}
