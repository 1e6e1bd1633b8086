using Npgsql;

namespace DataTier.Core.Execution;

/// <summary>Reads a result set into rows, up to a limit.</summary>
internal static class ResultReader
{
    public static async Task<QueryResult> ReadAsync(NpgsqlDataReader reader, int maxRows, CancellationToken cancellationToken)
    {
        int fields = reader.FieldCount;
        var columns = new string[fields];
        var isJson = new bool[fields];
        for (int i = 0; i < fields; i++)
        {
            columns[i] = reader.GetName(i);
            string type = reader.GetDataTypeName(i);
            isJson[i] = type is "jsonb" or "json";
        }

        var rows = new List<object?[]>();
        bool truncated = false;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (rows.Count == maxRows)
            {
                truncated = true;
                break;
            }

            var row = new object?[fields];
            for (int i = 0; i < fields; i++)
            {
                if (reader.IsDBNull(i))
                {
                    continue;
                }

                row[i] = isJson[i] ? new RawJson(reader.GetString(i)) : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return new QueryResult { Columns = columns, Rows = rows, Truncated = truncated };
    }
}
