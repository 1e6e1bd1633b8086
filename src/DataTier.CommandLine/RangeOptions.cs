using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace DataTier.CommandLine;

/// <summary>Number options that check their range while parsing, so a bad value is a usage error naming the bounds.</summary>
public static class RangeOptions
{
    /// <summary>
    /// A whole number from <paramref name="min"/> to <paramref name="max"/>; <c>_</c> may group digits
    /// (<c>200_000</c>). Null when not given, unless <paramref name="defaultValue"/> (shown in the help) is set.
    /// </summary>
    public static Option<int?> Int(string name, int min, int max, string description, int? defaultValue = null, string helpName = "N")
    {
        var option = new Option<int?>(name)
        {
            Description = description,
            HelpName = helpName,
            CustomParser = result =>
            {
                if (result.Tokens.Count == 0)
                {
                    return defaultValue;
                }

                string text = result.Tokens[0].Value;
                string digits = text.Replace("_", "", StringComparison.Ordinal);
                if (int.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max)
                {
                    return value;
                }

                result.AddError($"{name} is '{text}'; it must be a whole number from {min} to {max}.");
                return null;
            },
        };
        if (defaultValue is { } fallback)
        {
            option.DefaultValueFactory = _ => fallback;
        }

        return option;
    }

    /// <summary>A number (invariant culture: <c>1.5</c>) from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static Option<double?> Double(string name, double min, double max, string description, double? defaultValue = null, string helpName = "X")
    {
        var option = new Option<double?>(name)
        {
            Description = description,
            HelpName = helpName,
            CustomParser = result => result.Tokens.Count == 0 ? defaultValue : ParseDouble(result, name, min, max),
        };
        if (defaultValue is { } fallback)
        {
            option.DefaultValueFactory = _ => fallback;
        }

        return option;
    }

    private static double? ParseDouble(ArgumentResult result, string name, double min, double max)
    {
        string text = result.Tokens[0].Value;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value >= min && value <= max)
        {
            return value;
        }

        result.AddError(string.Create(CultureInfo.InvariantCulture, $"{name} is '{text}'; it must be a number from {min} to {max}."));
        return null;
    }
}
