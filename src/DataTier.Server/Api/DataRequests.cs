// [Required] marks what the handlers refuse a request without (as invalid-request); it only shapes the OpenAPI
// schema: nothing validates DataAnnotations, the handlers check each field and say which is missing.
using System.ComponentModel.DataAnnotations;
using System.Text.Json;

namespace DataTier.Server.Api;

/// <summary>POST /v1/query.</summary>
public sealed class QueryRequest
{
    /// <summary>The shard key, e.g. team-42.</summary>
    [Required]
    public string? ShardKey { get; set; }

    /// <summary>One read statement with @name parameters.</summary>
    [Required]
    public string? Sql { get; set; }

    /// <summary>Parameter values by name.</summary>
    public JsonElement Params { get; set; }

    /// <summary>eventual (default), strong or session.</summary>
    public string? Consistency { get; set; }

    /// <summary>A session token from earlier writes.</summary>
    public string? Token { get; set; }

    /// <summary>Most rows to return.</summary>
    public int? MaxRows { get; set; }

    /// <summary>Statement timeout in ms.</summary>
    public int? TimeoutMs { get; set; }

    /// <summary>auto (default), fresh, bypass or refresh.</summary>
    public string? Cache { get; set; }
}

/// <summary>A keyset page of a scatter read: <c>{"size": 500}</c>, then <c>{"size": 500, "after": "&lt;next&gt;"}</c>.</summary>
public sealed class PageRequest
{
    /// <summary>Rows per page.</summary>
    public int Size { get; set; }

    /// <summary>The previous page's <c>next</c> token; absent for the first page.</summary>
    public string? After { get; set; }
}

/// <summary>POST /v1/execute.</summary>
public sealed class ExecuteRequest
{
    /// <summary>The shard key.</summary>
    [Required]
    public string? ShardKey { get; set; }

    /// <summary>One INSERT, UPDATE or DELETE.</summary>
    [Required]
    public string? Sql { get; set; }

    /// <summary>Parameter values by name.</summary>
    public JsonElement Params { get; set; }

    /// <summary>The session's token so far; the answer's token includes it.</summary>
    public string? Token { get; set; }

    /// <summary>Most RETURNING rows to return.</summary>
    public int? MaxRows { get; set; }

    /// <summary>Statement timeout in ms.</summary>
    public int? TimeoutMs { get; set; }
}

/// <summary>One statement of a transaction.</summary>
public sealed class StatementRequest
{
    /// <summary>SQL with @name parameters.</summary>
    [Required]
    public string? Sql { get; set; }

    /// <summary>Parameter values by name.</summary>
    public JsonElement Params { get; set; }
}

/// <summary>POST /v1/transaction.</summary>
public sealed class TransactionRequest
{
    /// <summary>The shard key.</summary>
    [Required]
    public string? ShardKey { get; set; }

    /// <summary>The statements, run in order.</summary>
    [Required]
    public List<StatementRequest>? Statements { get; set; }

    /// <summary>read committed (default), repeatable read or serializable.</summary>
    public string? Isolation { get; set; }

    /// <summary>The session's token so far.</summary>
    public string? Token { get; set; }

    /// <summary>Most rows per statement.</summary>
    public int? MaxRows { get; set; }

    /// <summary>Timeout for the whole transaction in ms.</summary>
    public int? TimeoutMs { get; set; }
}

/// <summary>One ORDER BY column of a scatter read.</summary>
public sealed class OrderByRequest
{
    /// <summary>A column the statement returns.</summary>
    [Required]
    public string? Column { get; set; }

    /// <summary>Descending order.</summary>
    public bool Descending { get; set; }
}

/// <summary>POST /v1/scatter.</summary>
public sealed class ScatterRequest
{
    /// <summary>One read statement.</summary>
    [Required]
    public string? Sql { get; set; }

    /// <summary>Parameter values by name.</summary>
    public JsonElement Params { get; set; }

    /// <summary>Merge order.</summary>
    public List<OrderByRequest>? OrderBy { get; set; }

    /// <summary>Most rows overall (and per shard).</summary>
    public int? Limit { get; set; }

    /// <summary>Answer with the shards that answered when some fail.</summary>
    public bool AllowPartial { get; set; }

    /// <summary>eventual (default), strong or session.</summary>
    public string? Consistency { get; set; }

    /// <summary>A session token.</summary>
    public string? Token { get; set; }

    /// <summary>Most rows when no limit is given.</summary>
    public int? MaxRows { get; set; }

    /// <summary>Statement timeout in ms.</summary>
    public int? TimeoutMs { get; set; }

    /// <summary>auto (default), fresh, bypass or refresh.</summary>
    public string? Cache { get; set; }

    /// <summary>A keyset page of the statement's ORDER BY instead of the whole answer.</summary>
    public PageRequest? Page { get; set; }
}
