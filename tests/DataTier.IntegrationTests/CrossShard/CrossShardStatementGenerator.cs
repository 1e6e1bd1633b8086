using System.Globalization;
using System.Text;

namespace DataTier.IntegrationTests.CrossShard;

/// <summary>
/// Random key-less reads of the demo table <c>tasks</c>: filters, ORDER BY on one to three columns (ASC/DESC, NULLS
/// FIRST/LAST, by name, alias or position, selected or not), LIMIT/OFFSET, count/sum/min/max/avg/bool_and/bool_or with
/// and without FILTER, GROUP BY (columns and an expression, selected or not), HAVING, DISTINCT, and constructs DataTier
/// must refuse; and joins of tasks with itself on the shard key (co-located: merged like one table). Every choice comes
/// from the seeded <see cref="Random"/>, so a seed replays a run.
/// </summary>
public sealed class CrossShardStatementGenerator(Random random, IReadOnlyList<string> timestamps)
{
    // Columns that can be ordered, with their SQL; user_id holds NULLs.
    private static readonly string[] Orderable = ["status", "priority", "user_id", "title", "created_at", "team_id", "task_id"];
    private static readonly string[] Selectable = ["status", "priority", "user_id", "title", "created_at", "team_id", "task_id", "updated_at"];
    private static readonly string[] Statuses = ["open", "in_progress", "done", "blocked", "xs"];
    private static readonly string[] GroupExpressions = ["status", "priority", "user_id", "user_id % 5", "priority > 2"];

    private static readonly string[] Aggregates =
    [
        "count(*)", "count(user_id)", "sum(priority)", "sum(user_id)", "avg(priority)", "avg(user_id)", "min(title)", "max(title)",
        "min(created_at)", "max(created_at)", "min(user_id)", "max(priority)", "bool_and(priority > 1)", "bool_or(user_id is null)",
        "count(*) filter (where priority > 2)", "sum(priority) filter (where status = 'open')", "avg(priority) filter (where user_id is not null)",
        "max(status)", "max(team_id)", "count(distinct team_id)", "min(distinct title)",
    ];

    private static readonly (string Sql, string Construct)[] Refused =
    [
        ("select count(distinct user_id) from tasks", "count(DISTINCT ...)"),
        ("select title, row_number() over (order by created_at) from tasks", "the window function row_number() OVER (...)"),
        ("select percentile_cont(0.5) within group (order by priority) from tasks", "the ordered-set aggregate percentile_cont() WITHIN GROUP"),
        ("select string_agg(title, ',' order by title) from tasks where priority = 1", "the aggregate string_agg() with ORDER BY"),
        ("select a.title from tasks a join tasks b on b.user_id = a.user_id and b.task_id <> a.task_id", "a join"),
        ("select title from tasks where user_id in (select user_id from users where email like 'user1@%')", "a subquery"),
        ("select status from tasks union select email from users", "a set operation (UNION, INTERSECT or EXCEPT)"),
        ("select stddev(priority) from tasks", "the aggregate stddev()"),
        ("select count(*) + 1 from tasks", "an aggregate inside an expression of the select list"),
        ("select status from tasks group by status having sum(priority) * 2 > 10", "the operator * in HAVING"),
    ];

    public GeneratedStatement Next()
    {
        int kind = random.Next(100);
        return kind switch
        {
            < 40 => Rows(),
            < 80 => Grouped(),
            < 88 => Distinct(),
            < 94 => Joined(),
            _ => Refusal(),
        };
    }

    private GeneratedStatement Refusal()
    {
        var (sql, construct) = Refused[random.Next(Refused.Length)];
        return new GeneratedStatement(sql, AnswerOrder.Multiset, [], false, construct);
    }

    private GeneratedStatement Rows()
    {
        var select = new List<string>();
        bool star = random.Next(8) == 0;
        if (!star)
        {
            foreach (string column in Pick(Selectable, 1 + random.Next(4)))
            {
                select.Add(column);
            }
        }

        var keys = Pick(Orderable, 1 + random.Next(3));
        bool total = random.Next(2) == 0;
        if (total && !keys.Contains("task_id"))
        {
            keys.Add("task_id");
        }

        // Without a total order the keys are compared, so they must be in the answer.
        if (!total && !star)
        {
            foreach (string key in keys)
            {
                if (!select.Contains(key))
                {
                    select.Add(key);
                }
            }
        }

        var items = new List<string>();
        for (int i = 0; i < select.Count; i++)
        {
            items.Add($"{select[i]} as c{i}");
        }

        var order = new List<string>();
        foreach (string key in keys)
        {
            int selected = select.IndexOf(key);
            string reference = selected < 0 || star ? key : random.Next(3) switch
            {
                0 => $"c{selected}",
                1 => (selected + 1).ToString(CultureInfo.InvariantCulture),
                _ => key,
            };
            order.Add(reference + Direction());
        }

        var sql = new StringBuilder("select ").Append(star ? "*" : string.Join(", ", items)).Append(" from tasks");
        bool limited = random.Next(3) > 0;
        string filter = Filter(mustNarrow: !limited);
        sql.Append(filter).Append(" order by ").AppendJoin(", ", order);
        if (limited)
        {
            sql.Append(" limit ").Append(random.Next(60));
            if (random.Next(2) == 0)
            {
                sql.Append(" offset ").Append(random.Next(120));
            }
        }

        var keyColumns = star ? keys.Select(k => Array.IndexOf(StarColumns, k)).ToArray() : keys.Select(k => select.IndexOf(k)).ToArray();
        return new GeneratedStatement(sql.ToString(), total ? AnswerOrder.Total : AnswerOrder.ByKey, keyColumns, limited, null);
    }

    // tasks' columns in table order, as * returns them.
    private static readonly string[] StarColumns = ["team_id", "task_id", "user_id", "status", "priority", "title", "created_at", "updated_at"];

    private GeneratedStatement Grouped()
    {
        var groups = random.Next(4) == 0 ? [] : Pick(GroupExpressions, 1 + random.Next(2));
        var aggregates = Pick(Aggregates, 1 + random.Next(4));
        var items = new List<string>();
        var selectedGroups = new List<string>();
        foreach (string group in groups)
        {
            // A group key left out of the select list is a hidden column of the shards' statement.
            if (random.Next(5) > 0)
            {
                selectedGroups.Add(group);
            }
        }

        for (int i = 0; i < selectedGroups.Count; i++)
        {
            items.Add($"{selectedGroups[i]} as g{i}");
        }

        for (int i = 0; i < aggregates.Count; i++)
        {
            items.Add($"{aggregates[i]} as a{i}");
        }

        var sql = new StringBuilder("select ").AppendJoin(", ", items).Append(" from tasks").Append(Filter(mustNarrow: false));
        if (groups.Count > 0)
        {
            sql.Append(" group by ").AppendJoin(", ", groups.Select(g => selectedGroups.IndexOf(g) is var at && at >= 0 && random.Next(3) == 0 ? (at + 1).ToString(CultureInfo.InvariantCulture) : g));
        }

        if (random.Next(3) == 0)
        {
            sql.Append(" having ").Append(Having());
        }

        var order = AnswerOrder.Multiset;
        int[] keyColumns = [];
        bool limited = false;
        if (groups.Count > 0 && random.Next(5) < 3)
        {
            var keys = new List<string>();
            bool byAggregateOnly = random.Next(3) == 0;
            if (byAggregateOnly)
            {
                int a = random.Next(aggregates.Count);
                keys.Add((random.Next(2) == 0 ? $"a{a}" : aggregates[a]) + Direction());
                order = AnswerOrder.ByKey;
                keyColumns = [selectedGroups.Count + a];
            }
            else
            {
                if (random.Next(2) == 0)
                {
                    keys.Add(Aggregates[random.Next(Aggregates.Length)] + Direction());
                }

                foreach (string group in groups)
                {
                    int at = selectedGroups.IndexOf(group);
                    keys.Add((at >= 0 && random.Next(2) == 0 ? $"g{at}" : group) + Direction());
                }

                order = AnswerOrder.Total;
            }

            sql.Append(" order by ").AppendJoin(", ", keys);
            if (order == AnswerOrder.Total && random.Next(2) == 0)
            {
                limited = true;
                sql.Append(" limit ").Append(random.Next(12));
                if (random.Next(2) == 0)
                {
                    sql.Append(" offset ").Append(random.Next(10));
                }
            }
        }

        return new GeneratedStatement(sql.ToString(), order, keyColumns, limited, null);
    }

    private GeneratedStatement Joined()
    {
        string on = "b.team_id = a.team_id and b.task_id = a.task_id";
        string filter = random.Next(2) == 0 ? "" : $" where a.priority > {random.Next(4)}";
        switch (random.Next(4))
        {
            case 0:
                string limit = random.Next(2) == 0 ? "" : $" limit {random.Next(40)} offset {random.Next(20)}";
                // Without LIMIT the answer must stay under the HTTP API's maxRows (10,000): narrow it.
                filter = limit.Length == 0 ? $" where a.priority > {1 + random.Next(3)}" : filter;
                return new GeneratedStatement($"select a.task_id, a.title, b.priority from tasks a join tasks b on {on}{filter} order by a.task_id{Direction()}{limit}", AnswerOrder.Total, [], limit.Length > 0, null);
            case 1:
                return new GeneratedStatement($"select a.status, count(*), sum(b.priority), max(b.title) from tasks a join tasks b using (team_id) where a.task_id = b.task_id group by a.status", AnswerOrder.Multiset, [], false, null);
            case 2:
                return new GeneratedStatement($"select a.task_id, b.title from tasks a left join tasks b on {on} and b.priority > 2{filter} order by 1 limit {random.Next(50)}", AnswerOrder.Total, [], true, null);
            default:
                return new GeneratedStatement($"select count(*), avg(b.priority) from tasks a, tasks b where a.team_id = b.team_id and a.task_id = b.task_id and a.status = 'open'", AnswerOrder.Multiset, [], false, null);
        }
    }

    private GeneratedStatement Distinct()
    {
        var columns = Pick(["status", "priority", "user_id % 3", "priority > 1", "user_id is null"], 1 + random.Next(2));
        var sql = new StringBuilder("select distinct ").AppendJoin(", ", columns.Select((c, i) => $"{c} as d{i}")).Append(" from tasks").Append(Filter(mustNarrow: false));
        if (random.Next(2) == 0)
        {
            return new GeneratedStatement(sql.ToString(), AnswerOrder.Multiset, [], false, null);
        }

        sql.Append(" order by ").AppendJoin(", ", columns.Select((c, i) => (random.Next(2) == 0 ? $"d{i}" : (i + 1).ToString(CultureInfo.InvariantCulture)) + Direction()));
        bool limited = random.Next(2) == 0;
        if (limited)
        {
            sql.Append(" limit ").Append(random.Next(8)).Append(" offset ").Append(random.Next(4));
        }

        return new GeneratedStatement(sql.ToString(), AnswerOrder.Total, [], limited, null);
    }

    private string Having()
    {
        string[] conditions =
        [
            $"count(*) > {random.Next(2000)}", $"sum(priority) >= {random.Next(3000)}", "avg(priority) > 1.9", $"min(user_id) < {random.Next(500_000)}",
            "max(title) > 'Task 5'", "min(user_id) is not null", "bool_or(user_id is null)", $"count(user_id) <> {random.Next(50)}",
            "max(created_at) is null",
        ];
        string first = conditions[random.Next(conditions.Length)];
        return random.Next(4) switch
        {
            0 => $"{first} and {conditions[random.Next(conditions.Length)]}",
            1 => $"{first} or not ({conditions[random.Next(conditions.Length)]})",
            _ => first,
        };
    }

    private string Filter(bool mustNarrow)
    {
        string[] filters =
        [
            $"priority > {random.Next(5)}", $"priority <= {random.Next(5)}", "user_id is null", "user_id is not null",
            $"status = '{Statuses[random.Next(Statuses.Length)]}'", "status in ('open', 'done')", "title like 'Task 1%'",
            $"created_at > '{timestamps[random.Next(timestamps.Count)]}'", "user_id % 3 = 0", "title >= 'Task 5'",
        ];
        var parts = new List<string>();
        if (mustNarrow)
        {
            // Without a LIMIT the answer is read whole: the test's own rows only.
            parts.Add("team_id like 'xs-%'");
        }

        int extra = random.Next(3);
        for (int i = 0; i < extra; i++)
        {
            parts.Add(filters[random.Next(filters.Length)]);
        }

        if (parts.Count == 0)
        {
            return "";
        }

        string joined = random.Next(4) == 0 && parts.Count == 2 && !mustNarrow ? $"({parts[0]} or {parts[1]})" : string.Join(" and ", parts);
        return " where " + joined;
    }

    private string Direction() => random.Next(6) switch
    {
        0 => "",
        1 => " asc",
        2 => " desc",
        3 => " asc nulls first",
        4 => " desc nulls last",
        _ => " desc nulls first",
    };

    private List<string> Pick(string[] from, int count)
    {
        var pool = from.ToList();
        var picked = new List<string>();
        for (int i = 0; i < count && pool.Count > 0; i++)
        {
            int at = random.Next(pool.Count);
            picked.Add(pool[at]);
            pool.RemoveAt(at);
        }

        return picked;
    }
}
