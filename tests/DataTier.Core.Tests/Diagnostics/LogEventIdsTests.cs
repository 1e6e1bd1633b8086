using System.Reflection;
using DataTier.Core.Diagnostics;
using Microsoft.Extensions.Logging;

namespace DataTier.Core.Tests.Diagnostics;

public sealed class LogEventIdsTests
{
    private static readonly FieldInfo[] Constants = typeof(LogEventIds)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(int))
        .ToArray();

    [Fact]
    public void No_two_event_ids_share_a_value()
    {
        Assert.NotEmpty(Constants);
        var shared = Constants.GroupBy(f => (int)f.GetRawConstantValue()!)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(f => f.Name))}")
            .ToList();
        Assert.Empty(shared);
    }

    [Fact]
    public void Every_LoggerMessage_in_Core_uses_the_constant_named_like_its_event()
    {
        var ids = Constants.ToDictionary(f => f.Name, f => (int)f.GetRawConstantValue()!, StringComparer.Ordinal);
        var messages = typeof(LogEventIds).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(x => x.Attribute is not null)
            .ToList();
        Assert.NotEmpty(messages);
        var wrong = messages
            .Where(x => x.Attribute!.EventName is not { } name || !ids.TryGetValue(name, out int id) || id != x.Attribute.EventId)
            .Select(x => $"{x.Method.DeclaringType}.{x.Method.Name}: {x.Attribute!.EventId} {x.Attribute.EventName}")
            .ToList();
        Assert.Empty(wrong);
    }
}
