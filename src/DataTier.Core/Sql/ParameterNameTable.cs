using System.Runtime.InteropServices;

namespace DataTier.Core.Sql;

/// <summary>Distinct parameter names in order of first appearance, with their zero-based ordinals.</summary>
/// <remarks>Linear search while small (the common case: a handful of parameters), a dictionary beyond that.</remarks>
internal sealed class ParameterNameTable
{
    /// <summary>The PostgreSQL protocol counts Bind parameters in an unsigned 16-bit field.</summary>
    public const int MaxParameters = ushort.MaxValue;

    private const int LinearSearchLimit = 8;

    private readonly List<string> _names = [];
    private Dictionary<string, int>? _index;

    public int Count => _names.Count;

    public List<string> Names => _names;

    /// <summary>The name-to-ordinal index once there are more than a few names; null before that.</summary>
    public Dictionary<string, int>? Index => _index;

    public int GetOrAdd(ReadOnlySpan<char> name, int position)
    {
        int ordinal = IndexOf(CollectionsMarshal.AsSpan(_names), _index, name);
        if (ordinal >= 0)
        {
            return ordinal;
        }

        if (_names.Count == MaxParameters)
        {
            throw new SqlRejectedException(
                SqlRejectionCodes.TooManyParameters,
                $"The statement uses more than {MaxParameters} distinct parameters, the PostgreSQL protocol limit; pass a list as one array parameter (for example 'id = any(@ids)').",
                position);
        }

        string added = name.ToString();
        ordinal = _names.Count;
        _names.Add(added);
        if (_index is not null)
        {
            _index.Add(added, ordinal);
        }
        else if (_names.Count > LinearSearchLimit)
        {
            _index = new Dictionary<string, int>(_names.Count * 2, StringComparer.Ordinal);
            for (int i = 0; i < _names.Count; i++)
            {
                _index.Add(_names[i], i);
            }
        }

        return ordinal;
    }

    /// <summary>Case-sensitive lookup shared with <see cref="ParsedSql"/>; -1 when absent.</summary>
    public static int IndexOf(ReadOnlySpan<string> names, Dictionary<string, int>? index, ReadOnlySpan<char> name)
    {
        if (index is not null)
        {
            return index.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(name, out int found) ? found : -1;
        }

        for (int i = 0; i < names.Length; i++)
        {
            if (name.SequenceEqual(names[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
