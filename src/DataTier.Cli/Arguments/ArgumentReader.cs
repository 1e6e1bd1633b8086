using System.Globalization;

namespace DataTier.Cli.Arguments;

/// <summary>
/// Plain argument parsing: options are taken out by name (<c>--name value</c> or <c>--name=value</c>),
/// what is left is positional, and anything unknown is an error.
/// </summary>
internal sealed class ArgumentReader(IEnumerable<string> arguments)
{
    private readonly List<string> _remaining = [.. arguments];

    /// <summary>Takes a switch such as <c>--json</c>; true when it was given.</summary>
    public bool Flag(string name)
    {
        int found = _remaining.RemoveAll(a => a == name);
        return found > 0;
    }

    /// <summary>Takes an option that may be given at most once.</summary>
    public string? Option(string name)
    {
        var values = Options(name);
        return values.Count switch
        {
            0 => null,
            1 => values[0],
            _ => throw new UsageException($"{name} is given {values.Count} times; give it once."),
        };
    }

    /// <summary>Takes every occurrence of a repeatable option.</summary>
    public List<string> Options(string name)
    {
        var values = new List<string>();
        for (int i = 0; i < _remaining.Count;)
        {
            string arg = _remaining[i];
            if (arg == name)
            {
                if (i + 1 >= _remaining.Count || _remaining[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new UsageException($"{name} needs a value.");
                }

                values.Add(_remaining[i + 1]);
                _remaining.RemoveRange(i, 2);
            }
            else if (arg.StartsWith(name + "=", StringComparison.Ordinal))
            {
                values.Add(arg[(name.Length + 1)..]);
                _remaining.RemoveAt(i);
            }
            else
            {
                i++;
            }
        }

        return values;
    }

    /// <summary>Takes an integer option, checking its range.</summary>
    public int? IntOption(string name, int min, int max)
    {
        string? text = Option(name);
        if (text is null)
        {
            return null;
        }

        string digits = text.Replace("_", "", StringComparison.Ordinal);
        if (!int.TryParse(digits, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
        {
            throw new UsageException($"{name} is '{text}'; it must be a whole number from {min} to {max}.");
        }

        return value;
    }

    /// <summary>Takes the next positional argument, or null when there is none.</summary>
    public string? Positional()
    {
        int index = _remaining.FindIndex(a => !a.StartsWith("--", StringComparison.Ordinal));
        if (index < 0)
        {
            return null;
        }

        string value = _remaining[index];
        _remaining.RemoveAt(index);
        return value;
    }

    /// <summary>Fails on anything not taken.</summary>
    public void EnsureAllUsed()
    {
        if (_remaining.Count > 0)
        {
            throw new UsageException($"Unknown argument(s): {string.Join(' ', _remaining)}. See 'datatier help'.");
        }
    }
}
