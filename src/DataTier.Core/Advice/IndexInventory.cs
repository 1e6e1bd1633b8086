using DataTier.Core.Nodes;
using DataTier.Core.Topology;
using Dapper;

namespace DataTier.Core.Advice;

/// <summary>Reads the indexes of a node from its catalog and statistics.</summary>
public static class IndexInventory
{
    private const string Sql =
        """
        select n.nspname::text as Schema, t.relname::text as Table, c.relname::text as Name,
               array(select a.attname::text from unnest(i.indkey) with ordinality k(attnum, ord)
                     join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
                     where k.ord <= i.indnkeyatts order by k.ord) as Columns,
               i.indisunique or exists (select 1 from pg_constraint con where con.conindid = c.oid) as Unique,
               i.indisprimary as Primary,
               exists (select 1 from pg_constraint f
                       where f.contype = 'f' and f.conrelid = i.indrelid and cardinality(f.conkey) <= i.indnkeyatts
                         and array(select k from unnest(i.indkey) with ordinality u(k, ord) where ord <= cardinality(f.conkey)) @> f.conkey) as BacksForeignKey,
               i.indisvalid and i.indisready as Valid,
               i.indexprs is null and i.indpred is null and not (0 = any (i.indkey::int2[])) as Simple,
               am.amname::text as AccessMethod, pg_relation_size(c.oid) as Bytes, coalesce(s.idx_scan, 0) as Scans, pg_get_indexdef(c.oid) as Definition
        from pg_index i
        join pg_class c on c.oid = i.indexrelid
        join pg_class t on t.oid = i.indrelid
        join pg_namespace n on n.oid = t.relnamespace
        join pg_am am on am.oid = c.relam
        left join pg_stat_all_indexes s on s.indexrelid = c.oid
        where n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\_toast%'
          and t.relkind in ('r', 'p', 'm')
        """;

    /// <summary>The indexes of <paramref name="node"/>'s database, with their scan counts on that node.</summary>
    public static async Task<IReadOnlyList<ExistingIndex>> ReadAsync(NodeDataSources sources, NodeDefinition node, CancellationToken cancellationToken)
    {
        await using var lease = await sources.OpenAsync(node, cancellationToken).ConfigureAwait(false);
        var rows = await lease.Connection.QueryAsync<IndexRow>(new CommandDefinition(Sql, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new ExistingIndex(r.Schema, r.Table, r.Name, r.Columns, r.Unique, r.Primary, r.BacksForeignKey, r.Valid, r.Simple, r.AccessMethod,
            r.Bytes, r.Scans, r.Definition)).ToList();
    }

    /// <summary>
    /// B-tree indexes DataTier may propose dropping (see <see cref="ExistingIndex.KeptBecause"/>) whose key columns are a leading prefix of another valid index's on the same table
    /// (that one serves every lookup they do); of two identical ones, the later name is the duplicate.
    /// </summary>
    public static IEnumerable<(ExistingIndex Duplicate, ExistingIndex CoveredBy)> Duplicates(IReadOnlyList<ExistingIndex> indexes)
    {
        foreach (var a in indexes.Where(i => i.KeptBecause is null && i.Valid && i.Simple && i.AccessMethod == "btree"))
        {
            var cover = indexes
                .Where(b => !ReferenceEquals(a, b) && b.Valid && b.Simple && b.AccessMethod == "btree" && b.Schema == a.Schema && b.Table == a.Table)
                .Where(b => b.Columns.Count >= a.Columns.Count && a.Columns.Select((c, i) => b.Columns[i] == c).All(x => x))
                .Where(b => b.Columns.Count > a.Columns.Count || b.Unique || string.CompareOrdinal(b.Name, a.Name) < 0)
                .OrderByDescending(b => b.Unique).ThenBy(b => b.Columns.Count).FirstOrDefault();
            if (cover is not null)
            {
                yield return (a, cover);
            }
        }
    }
}
