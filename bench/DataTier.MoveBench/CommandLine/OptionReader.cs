using System.Globalization;

namespace DataTier.MoveBench.CommandLine;

/// <summary>
/// Options taken out by name (<c>--name value</c>), flags by presence; whatever is left is positional, and an
/// unknown option is an error naming it. The same rules as bench/DataTier.LoadReport, so both tools read alike.
/// </summary>
internal sealed class OptionReader(IEnumerable<string> arguments)
{
    private readonly List<string> _remaining = [.. arguments];

    public bool Flag(string name) => _remaining.RemoveAll(a => a == name) > 0;

    public string? Option(string name)
    {
        int i = _remaining.IndexOf(name);
        if (i < 0)
        {
            return null;
        }

        if (i + 1 >= _remaining.Count)
        {
            throw new UsageException($"{name} needs a value.");
        }

        string value = _remaining[i + 1];
        _remaining.RemoveRange(i, 2);
        if (_remaining.Contains(name))
        {
            throw new UsageException($"{name} is given more than once; give it once.");
        }

        return value;
    }

    public int? Int(string name, int min, int max)
    {
        string? text = Option(name);
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
        {
            throw new UsageException($"{name} is '{text}'; it must be a whole number from {min} to {max}.");
        }

        return value;
    }

    public string? Positional()
    {
        int i = _remaining.FindIndex(a => !a.StartsWith("--", StringComparison.Ordinal));
        if (i < 0)
        {
            return null;
        }

        string value = _remaining[i];
        _remaining.RemoveAt(i);
        return value;
    }

    public void EnsureAllUsed()
    {
        if (_remaining.Count > 0)
        {
            throw new UsageException($"Unknown argument(s): {string.Join(' ', _remaining)}.");
        }
    }
}
