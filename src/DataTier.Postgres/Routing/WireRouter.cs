using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using DataTier.Core.Sql.CrossShard;
using DataTier.Core.Sql.Tree;
using DataTier.Core.Topology;
using DataTier.Postgres.Protocol;
using DataTier.Postgres.Sessions;

namespace DataTier.Postgres.Routing;

/// <summary>
/// Binds a statement to a shard: the session's <c>SET datatier.shard_key</c> first, then a <c>/* shard_key='...' */</c>
/// comment hint, then the key values the parser found in the statement (constants, or <c>$n</c> read from the Bind).
/// </summary>
internal static class WireRouter
{
    public const string HowToNameTheKey =
        "Name the shard key: a condition on the table's key column (where team_id = ...), a comment hint /* shard_key='team-42' */, or SET datatier.shard_key = 'team-42'.";

    /// <summary>The shard that answers statements that read no sharded table: the first shard by id.</summary>
    public static ShardDefinition Designated(TopologySnapshot topology)
    {
        var first = topology.Shards[0];
        foreach (var shard in topology.Shards)
        {
            if (string.CompareOrdinal(shard.Id, first.Id) < 0)
            {
                first = shard;
            }
        }

        return first;
    }

    /// <summary>Routes one guarded statement; <paramref name="bind"/> carries its parameter values in the extended protocol.</summary>
    /// <exception cref="WireException">A key-less write, a statement that spans shards, or a key that cannot be read.</exception>
    public static StatementRoute Route(
        TopologySnapshot topology, PgStatement statement, PgStatementAnalysis analysis, string? sessionKey, BindMessage? bind, ReadOnlySpan<uint> parameterTypes)
    {
        bool writes = analysis.Writes || (analysis.IsExplainAnalyze && analysis.Inner is { Writes: true });
        bool primary = writes || analysis.LocksRows;
        if (analysis.Kind is PgStatementKind.Transaction or PgStatementKind.Set or PgStatementKind.Reset or PgStatementKind.Show
            || (analysis.Kind == PgStatementKind.Utility && analysis.NodeType is "FetchStmt" or "ClosePortalStmt"))
        {
            return new StatementRoute(RouteKind.Neutral, null, false, false, "none");
        }

        if (analysis.Kind == PgStatementKind.Copy)
        {
            // A simple Query holding only the COPY is taken over before routing (ClientSession.Copy.cs); any other is refused.
            throw new WireException(
                SqlState.FeatureNotSupported,
                "COPY FROM STDIN runs through DataTier only as a simple Query of its own, not in the extended protocol or together with other statements.",
                "Send the COPY statement alone (psql \\copy and Npgsql's BeginTextImport do).");
        }

        if (sessionKey is not null)
        {
            return new StatementRoute(RouteKind.Shard, topology.Route(sessionKey), writes, primary, "key");
        }

        if (statement.Hint(SqlCommentHint.ShardKey) is { } hint)
        {
            return new StatementRoute(RouteKind.Shard, topology.Route(hint), writes, primary, "hint");
        }

        var keys = (analysis.Kind == PgStatementKind.Explain ? analysis.Inner?.ShardKeys : null) ?? analysis.ShardKeys;
        if (keys.ReferencesNoShardedTable)
        {
            return new StatementRoute(RouteKind.AnyShard, null, writes, primary, "any");
        }

        if (keys.HasUnrestrictedShardedTable)
        {
            string tables = string.Join(", ", keys.UnrestrictedTables.Select(t => t.QualifiedName).Distinct());
            if (writes || primary)
            {
                throw new WireException(
                    SqlState.FeatureNotSupported,
                    writes
                        ? $"A write to a sharded table ({tables}) must name its shard key; DataTier does not send writes to every shard."
                        : $"A read that locks rows of a sharded table ({tables}) must name its shard key; DataTier does not lock rows on every shard.",
                    HowToNameTheKey);
            }

            var merge = PlanMerge(statement);
            return new StatementRoute(RouteKind.AllShards, null, false, false, "fanout", merge.Mode == CrossShardMode.Concatenate ? null : merge);
        }

        ShardDefinition? shard = null;
        foreach (var value in keys.Values)
        {
            string key = KeyText(value, bind, parameterTypes);
            var owner = topology.Route(key);
            if (shard is not null && !ReferenceEquals(owner, shard) && statement.InsertValues is not null)
            {
                // A multi-row INSERT ... VALUES whose rows belong to several shards: the session splits it by shard.
                return new StatementRoute(RouteKind.SplitInsert, null, writes, primary, "split");
            }

            if (shard is not null && !ReferenceEquals(owner, shard))
            {
                throw new WireException(
                    SqlState.FeatureNotSupported,
                    $"This statement names shard keys on shards {shard.Id} and {owner.Id}; a statement on the wire runs on one shard.",
                    "Split it into one statement per shard key, or use the HTTP /v1/scatter API for reads across shards.");
            }

            shard = owner;
        }

        return shard is null
            ? new StatementRoute(RouteKind.AnyShard, null, writes, primary, "any")
            : new StatementRoute(RouteKind.Shard, shard, writes, primary, "auto");
    }

    /// <summary>The cross-shard plan of a key-less read; a construct it cannot merge is refused here, before any shard runs it.</summary>
    private static CrossShardPlan PlanMerge(PgStatement statement)
    {
        try
        {
            return CrossShardPlanner.Plan(statement.Text, statement.Sharded);
        }
        catch (Core.Errors.DataTierException e) when (CrossShardRefusal.Is(e))
        {
            throw new WireException(SqlState.FeatureNotSupported, e.Message, HowToNameTheKey);
        }
    }

    /// <summary>The text the ring hashes for one key value: a constant as written, or a bound parameter's value as text.</summary>
    /// <exception cref="WireException">NULL, an unbound or array parameter, a binary parameter of another type, or a key the text does not show.</exception>
    public static string KeyText(ShardKeyValue value, BindMessage? bind, ReadOnlySpan<uint> parameterTypes)
    {
        switch (value.Kind)
        {
            case ShardKeyValueKind.Constant:
                return value.Text!;
            // $0 parses, but names no parameter: it falls to the refusal below rather than indexing the Bind at -1.
            case ShardKeyValueKind.Parameter when bind is not null && value.ParameterNumber >= 1 && value.ParameterNumber <= bind.ParameterCount:
                int index = value.ParameterNumber - 1;
                if (bind.IsNull(index))
                {
                    throw new WireException(SqlState.FeatureNotSupported, $"The shard key parameter ${value.ParameterNumber} is NULL; no shard owns a NULL key.", HowToNameTheKey);
                }

                return ParameterText(bind.GetValue(index).Span, bind.GetParameterFormat(index), index < parameterTypes.Length ? parameterTypes[index] : 0, value.ParameterNumber);
            case ShardKeyValueKind.Parameter:
                throw new WireException(SqlState.FeatureNotSupported, $"The shard key is parameter ${value.ParameterNumber}, which has no value here.", HowToNameTheKey);
            case ShardKeyValueKind.Null:
                throw new WireException(SqlState.FeatureNotSupported, "The statement compares the shard key with NULL (or inserts NULL); no shard owns a NULL key.", HowToNameTheKey);
            case ShardKeyValueKind.ArrayParameter:
                throw new WireException(SqlState.FeatureNotSupported, $"The shard key is compared with an array parameter (= ANY(${value.ParameterNumber})); DataTier cannot route it yet.", HowToNameTheKey);
            default:
                throw new WireException(SqlState.FeatureNotSupported, "DataTier cannot read this statement's shard key from its text (an expression, DEFAULT, INSERT ... SELECT, or no key column in the INSERT's column list).", HowToNameTheKey);
        }
    }

    private static string ParameterText(ReadOnlySpan<byte> bytes, FormatCode format, uint typeOid, int number)
    {
        if (format == FormatCode.Text)
        {
            return Encoding.UTF8.GetString(bytes);
        }

        switch (typeOid)
        {
            case 0 or 25 or 1043 or 19 or 1042:
                return Encoding.UTF8.GetString(bytes);
            case 20 when bytes.Length == 8:
                return BinaryPrimitives.ReadInt64BigEndian(bytes).ToString(CultureInfo.InvariantCulture);
            case 23 when bytes.Length == 4:
                return BinaryPrimitives.ReadInt32BigEndian(bytes).ToString(CultureInfo.InvariantCulture);
            case 21 when bytes.Length == 2:
                return BinaryPrimitives.ReadInt16BigEndian(bytes).ToString(CultureInfo.InvariantCulture);
            default:
                throw new WireException(
                    SqlState.FeatureNotSupported,
                    $"The shard key parameter ${number} is sent in binary as type OID {typeOid}; DataTier reads keys of type text, varchar, int2, int4 and int8.",
                    HowToNameTheKey);
        }
    }
}
