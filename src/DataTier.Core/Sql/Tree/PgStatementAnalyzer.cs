using System.Text.Json;

namespace DataTier.Core.Sql.Tree;

/// <summary>Builds a <see cref="PgStatementAnalysis"/> from a statement's top node (<c>{"SelectStmt": {...}}</c>).</summary>
internal static class PgStatementAnalyzer
{
    public static PgStatementAnalysis Analyze(JsonElement statement, PgQueryInput input, ShardedTableLookup sharded)
    {
        if (!PgJson.TryGetNode(statement, out string type, out JsonElement body))
        {
            throw new JsonException("A statement of the parse tree is not a node.");
        }

        switch (type)
        {
            case "SelectStmt" or "InsertStmt" or "UpdateStmt" or "DeleteStmt" or "MergeStmt":
                return Query(type, body, input, sharded);
            case "TransactionStmt":
                return new PgStatementAnalysis { Kind = PgStatementKind.Transaction, NodeType = type, Transaction = Transaction(body) };
            case "VariableSetStmt":
                PgSettingStatement setting = Setting(body, input);
                PgStatementKind kind = setting.Action is PgSettingAction.Reset or PgSettingAction.ResetAll
                    ? PgStatementKind.Reset
                    : PgStatementKind.Set;
                return new PgStatementAnalysis { Kind = kind, NodeType = type, Setting = setting };
            case "VariableShowStmt":
                return new PgStatementAnalysis
                {
                    Kind = PgStatementKind.Show,
                    NodeType = type,
                    Setting = new PgSettingStatement(PgSettingAction.Show, PgJson.String(body, "name")),
                };
            case "CopyStmt":
                return Copy(body, input, sharded);
            case "ExplainStmt":
                return Explain(body, input, sharded);
            case "PrepareStmt":
                PgStatementAnalysis? prepared = Inner(body, input, sharded);
                return new PgStatementAnalysis
                {
                    Kind = PgStatementKind.Prepare,
                    NodeType = type,
                    Name = PgJson.String(body, "name"),
                    Inner = prepared,
                    Tables = prepared?.Tables ?? [],
                    Functions = prepared?.Functions ?? [],
                    ShardKeys = prepared?.ShardKeys ?? ShardKeyAnalysis.None,
                };
            case "ExecuteStmt":
                // The prepared statement's text is not here: it may write, and the caller knows it by name.
                return new PgStatementAnalysis { Kind = PgStatementKind.Execute, NodeType = type, Name = PgJson.String(body, "name"), Writes = true };
            case "DeallocateStmt":
                return new PgStatementAnalysis { Kind = PgStatementKind.Deallocate, NodeType = type, Name = PgJson.String(body, "name") };
            case "DiscardStmt":
                return new PgStatementAnalysis
                {
                    Kind = PgStatementKind.Discard,
                    NodeType = type,
                    Name = (PgJson.String(body, "target") ?? "DISCARD_ALL")["DISCARD_".Length..],
                };
            case "ListenStmt":
                return new PgStatementAnalysis { Kind = PgStatementKind.Listen, NodeType = type, Name = PgJson.String(body, "conditionname") };
            case "UnlistenStmt":
                return new PgStatementAnalysis { Kind = PgStatementKind.Unlisten, NodeType = type, Name = PgJson.String(body, "conditionname") };
            case "NotifyStmt":
                return new PgStatementAnalysis { Kind = PgStatementKind.Notify, NodeType = type, Name = PgJson.String(body, "conditionname") };
            case "DoStmt":
                return new PgStatementAnalysis { Kind = PgStatementKind.Do, NodeType = type, Writes = true };
            case "CallStmt":
                return Call(body, input, sharded);
            default:
                return Utility(type, body, input, sharded);
        }
    }

    private static PgStatementAnalysis Query(string type, JsonElement body, PgQueryInput input, ShardedTableLookup sharded)
    {
        var walker = new PgStatementWalker(sharded, input);
        walker.WalkQuery(type, body);
        PgStatementKind kind = type switch
        {
            "InsertStmt" => PgStatementKind.Insert,
            "UpdateStmt" => PgStatementKind.Update,
            "DeleteStmt" => PgStatementKind.Delete,
            "MergeStmt" => PgStatementKind.Merge,
            _ => walker.IsSelectInto ? PgStatementKind.Utility : PgStatementKind.Select,
        };

        return new PgStatementAnalysis
        {
            Kind = kind,
            NodeType = type,
            Writes = kind != PgStatementKind.Select || walker.HasNestedWrite,
            LocksRows = walker.LocksRows,
            HasDataModifyingCte = walker.HasNestedWrite,
            WritesShardKey = walker.WritesShardKey,
            Tables = walker.Tables,
            Functions = walker.Functions,
            ShardKeys = walker.BuildShardKeys(),
        };
    }

    private static PgStatementAnalysis Utility(string type, JsonElement body, PgQueryInput input, ShardedTableLookup sharded)
    {
        var walker = new PgStatementWalker(sharded, input);
        walker.Walk(body, PgTableRole.Written);

        // DROP TABLE names its tables as lists of strings, not RangeVars.
        if (type == "DropStmt" && PgJson.String(body, "removeType") is "OBJECT_TABLE" or "OBJECT_VIEW" or "OBJECT_MATVIEW" or "OBJECT_FOREIGN_TABLE")
        {
            foreach (JsonElement item in PgJson.Items(body, "objects"))
            {
                if (PgJson.IsNode(item, "List", out JsonElement list))
                {
                    string[] parts = [.. PgJson.Items(list, "items").Select(PgJson.StringNode).OfType<string>()];
                    if (parts.Length > 0)
                    {
                        walker.AddTable(parts.Length > 1 ? parts[^2] : null, parts[^1], PgTableRole.Written);
                    }
                }
            }
        }

        return new PgStatementAnalysis
        {
            Kind = PgStatementKind.Utility,
            NodeType = type,
            Writes = true,
            LocksRows = walker.LocksRows,
            HasDataModifyingCte = walker.HasNestedWrite,
            Tables = walker.Tables,
            Functions = walker.Functions,
            ShardKeys = walker.BuildShardKeys(),
        };
    }

    private static PgStatementAnalysis Copy(JsonElement body, PgQueryInput input, ShardedTableLookup sharded)
    {
        bool from = PgJson.Bool(body, "is_from");
        var walker = new PgStatementWalker(sharded, input);
        PgTableReference? table = null;
        if (PgJson.TryGet(body, "relation", out JsonElement relation) && PgJson.String(relation, "relname") is { } name)
        {
            table = new PgTableReference(PgJson.String(relation, "schemaname"), name, from ? PgTableRole.Written : PgTableRole.Read);
            walker.AddTable(table.Schema, table.Name, table.Role);
        }

        if (PgJson.TryGet(body, "query", out JsonElement query))
        {
            walker.Walk(query, PgTableRole.Read);
        }

        return new PgStatementAnalysis
        {
            Kind = PgStatementKind.Copy,
            NodeType = "CopyStmt",
            Writes = from || walker.HasNestedWrite,
            LocksRows = walker.LocksRows,
            HasDataModifyingCte = walker.HasNestedWrite,
            Tables = walker.Tables,
            Functions = walker.Functions,
            ShardKeys = walker.BuildShardKeys(),
            Copy = new PgCopyStatement(
                from ? PgCopyDirection.From : PgCopyDirection.To, table, PgJson.String(body, "filename"), PgJson.Bool(body, "is_program"))
            {
                Columns = [.. PgJson.Items(body, "attlist").Select(PgJson.StringNode).OfType<string>()],
                Options = [.. PgJson.Items(body, "options").Select(CopyOption).OfType<PgCopyOption>()],
            },
        };
    }

    /// <summary>A COPY option's DefElem: a string, number or boolean argument as text, a column list, <c>*</c>, or none.</summary>
    private static PgCopyOption? CopyOption(JsonElement item)
    {
        if (!PgJson.IsNode(item, "DefElem", out JsonElement definition) || PgJson.String(definition, "defname") is not { } name)
        {
            return null;
        }

        if (!PgJson.TryGet(definition, "arg", out JsonElement argument) || !PgJson.TryGetNode(argument, out string type, out JsonElement value))
        {
            return new PgCopyOption(name, null, []);
        }

        return type switch
        {
            "String" => new PgCopyOption(name, PgJson.String(value, "sval") ?? "", []),
            "Boolean" => new PgCopyOption(name, PgJson.Bool(value, "boolval") ? "true" : "false", []),
            "Integer" => new PgCopyOption(name, PgJson.Int(value, "ival").ToString(System.Globalization.CultureInfo.InvariantCulture), []),
            "Float" => new PgCopyOption(name, PgJson.String(value, "fval"), []),
            "A_Star" => new PgCopyOption(name, null, ["*"]),
            "List" => new PgCopyOption(name, null, [.. PgJson.Items(value, "items").Select(PgJson.StringNode).OfType<string>()]),
            _ => new PgCopyOption(name, null, []),
        };
    }

    private static PgStatementAnalysis Explain(JsonElement body, PgQueryInput input, ShardedTableLookup sharded)
    {
        PgStatementAnalysis? inner = Inner(body, input, sharded);
        bool analyze = false;
        foreach (JsonElement option in PgJson.Items(body, "options"))
        {
            if (PgJson.IsNode(option, "DefElem", out JsonElement definition) && PgJson.String(definition, "defname") == "analyze")
            {
                analyze = OptionIsTrue(definition);
            }
        }

        return new PgStatementAnalysis
        {
            Kind = PgStatementKind.Explain,
            NodeType = "ExplainStmt",
            Inner = inner,
            IsExplainAnalyze = analyze,
            Writes = analyze && inner is { Writes: true },
            LocksRows = analyze && inner is { LocksRows: true },
            Tables = inner?.Tables ?? [],
            Functions = inner?.Functions ?? [],
            ShardKeys = inner?.ShardKeys ?? ShardKeyAnalysis.None,
        };
    }

    private static PgStatementAnalysis Call(JsonElement body, PgQueryInput input, ShardedTableLookup sharded)
    {
        var walker = new PgStatementWalker(sharded, input);
        string? name = null;
        if (PgJson.TryGet(body, "funccall", out JsonElement call))
        {
            name = PgJson.DottedName(call, "funcname");
            foreach (JsonElement argument in PgJson.Items(call, "args"))
            {
                walker.Walk(argument, PgTableRole.Read);
            }
        }

        return new PgStatementAnalysis
        {
            Kind = PgStatementKind.Call,
            NodeType = "CallStmt",
            Name = name,
            Writes = true,
            Tables = walker.Tables,
            Functions = walker.Functions,
            ShardKeys = walker.BuildShardKeys(),
        };
    }

    private static PgStatementAnalysis? Inner(JsonElement body, PgQueryInput input, ShardedTableLookup sharded) =>
        PgJson.TryGet(body, "query", out JsonElement query) ? Analyze(query, input, sharded) : null;

    private static PgTransactionStatement Transaction(JsonElement body)
    {
        PgTransactionAction action = PgJson.String(body, "kind") switch
        {
            "TRANS_STMT_START" => PgTransactionAction.Start,
            "TRANS_STMT_COMMIT" => PgTransactionAction.Commit,
            "TRANS_STMT_ROLLBACK" => PgTransactionAction.Rollback,
            "TRANS_STMT_SAVEPOINT" => PgTransactionAction.Savepoint,
            "TRANS_STMT_RELEASE" => PgTransactionAction.Release,
            "TRANS_STMT_ROLLBACK_TO" => PgTransactionAction.RollbackTo,
            "TRANS_STMT_PREPARE" => PgTransactionAction.PrepareTransaction,
            "TRANS_STMT_COMMIT_PREPARED" => PgTransactionAction.CommitPrepared,
            "TRANS_STMT_ROLLBACK_PREPARED" => PgTransactionAction.RollbackPrepared,
            _ => PgTransactionAction.Begin,
        };

        string? isolation = null;
        bool? readOnly = null;
        bool? deferrable = null;
        foreach (JsonElement option in PgJson.Items(body, "options"))
        {
            if (!PgJson.IsNode(option, "DefElem", out JsonElement definition))
            {
                continue;
            }

            switch (PgJson.String(definition, "defname"))
            {
                case "transaction_isolation":
                    isolation = PgJson.TryGet(definition, "arg", out JsonElement level) && PgJson.IsNode(level, "A_Const", out JsonElement constant)
                        && PgJson.TryGet(constant, "sval", out JsonElement sval)
                        ? PgJson.String(sval, "sval")
                        : null;
                    break;
                case "transaction_read_only":
                    readOnly = IntegerOption(definition);
                    break;
                case "transaction_deferrable":
                    deferrable = IntegerOption(definition);
                    break;
            }
        }

        return new PgTransactionStatement(
            action, isolation, readOnly, deferrable, PgJson.String(body, "savepoint_name"), PgJson.String(body, "gid"), PgJson.Bool(body, "chain"));
    }

    private static PgSettingStatement Setting(JsonElement body, PgQueryInput input)
    {
        PgSettingAction action = PgJson.String(body, "kind") switch
        {
            "VAR_SET_DEFAULT" => PgSettingAction.SetDefault,
            "VAR_SET_CURRENT" => PgSettingAction.SetFromCurrent,
            "VAR_SET_MULTI" => PgSettingAction.SetTransaction,
            "VAR_RESET" => PgSettingAction.Reset,
            "VAR_RESET_ALL" => PgSettingAction.ResetAll,
            _ => PgSettingAction.Set,
        };

        var values = new List<string>();
        foreach (JsonElement argument in PgJson.Items(body, "args"))
        {
            if (SettingValue(argument, input) is { } value)
            {
                values.Add(value);
            }
        }

        return new PgSettingStatement(
            action, PgJson.String(body, "name"), values.Count == 0 ? null : string.Join(", ", values), PgJson.Bool(body, "is_local"));
    }

    private static string? SettingValue(JsonElement argument, PgQueryInput input)
    {
        while (PgJson.IsNode(argument, "TypeCast", out JsonElement cast) && PgJson.TryGet(cast, "arg", out JsonElement inner))
        {
            argument = inner;
        }

        if (PgJson.IsNode(argument, "A_Const", out JsonElement constant))
        {
            return PgJson.TryReadConstant(constant, input, out string? text, out bool isNull) && !isNull ? text : null;
        }

        if (PgJson.IsNode(argument, "DefElem", out JsonElement definition) && PgJson.String(definition, "defname") is { } name)
        {
            return PgJson.TryGet(definition, "arg", out JsonElement value) && SettingValue(value, input) is { } text ? $"{name}={text}" : name;
        }

        return null;
    }

    // READ ONLY / DEFERRABLE are integer constants 1 or 0 (0 is written as an empty object).
    private static bool? IntegerOption(JsonElement definition) =>
        PgJson.TryGet(definition, "arg", out JsonElement arg) && PgJson.IsNode(arg, "A_Const", out JsonElement constant)
        && PgJson.TryGet(constant, "ival", out JsonElement ival)
            ? PgJson.Int(ival, "ival") != 0
            : null;

    // EXPLAIN (ANALYZE) has no argument; EXPLAIN (ANALYZE false) has the string "false" (or off, 0).
    private static bool OptionIsTrue(JsonElement definition)
    {
        if (!PgJson.TryGet(definition, "arg", out JsonElement arg))
        {
            return true;
        }

        string? text = PgJson.StringNode(arg);
        if (text is null && PgJson.IsNode(arg, "A_Const", out JsonElement constant))
        {
            text = PgJson.TryGet(constant, "sval", out JsonElement sval) ? PgJson.String(sval, "sval")
                : PgJson.TryGet(constant, "ival", out JsonElement ival) ? (PgJson.Int(ival, "ival") != 0 ? "true" : "false")
                : null;
        }

        return text?.ToLowerInvariant() is not ("false" or "off" or "0" or "no");
    }
}
