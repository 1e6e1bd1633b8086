using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DataTier.IntegrationTests.Infrastructure;
using DataTier.Server.Problems;

namespace DataTier.IntegrationTests.OpenApi;

/// <summary>
/// The one list of problem codes (<see cref="ProblemCatalog"/>) holds every code the source raises, and every
/// code's page is served where its type URI's path says (<c>/problems/&lt;code&gt;</c>).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class ProblemCatalogTests(ClusterFixture fixture)
{
    [Fact]
    public void Every_problem_code_the_source_raises_has_a_catalog_entry()
    {
        var raised = RaisedCodes();
        // The scan is real: it finds codes of each way the source raises them.
        Assert.Contains("sql-error", raised);           // new DataTierException(DataTierErrorKind.SqlError, "sql-error", ...)
        Assert.Contains("missing-parameter", raised);   // SqlRejectionCodes.MissingParameter, '_' turned into '-'
        Assert.Contains("cross-shard-unsupported", raised); // CrossShardRefusal.Code
        Assert.Contains("shard-not-empty", raised);     // new TopologyChangeException("shard-not-empty", ...)
        Assert.Contains("replica-lagging", raised);     // Refused("replica-lagging", ...)
        Assert.Contains("no-topology", raised);         // a method returning new("no-topology", ...)
        Assert.Contains("unauthorized", raised);        // ProblemTypes.Base + "unauthorized"
        Assert.True(raised.Count > 60, $"only {raised.Count} codes found: {string.Join(", ", raised)}");

        var missing = raised.Where(c => !ProblemCatalog.ByCode.ContainsKey(c)).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, $"codes raised in src/ without an entry in ProblemCatalog: {string.Join(", ", missing)}");
        var unused = ProblemCatalog.All.Select(e => e.Code).Where(c => !raised.Contains(c)).ToList();
        Assert.True(unused.Count == 0, $"ProblemCatalog entries no source raises: {string.Join(", ", unused)}");
        Assert.Equal(ProblemCatalog.All.Count, ProblemCatalog.ByCode.Count);
    }

    [Fact]
    public void The_readme_names_only_catalogued_codes()
    {
        string readme = File.ReadAllText(Path.Combine(NodeTools.Root, "README.md"));
        int start = readme.IndexOf("## Errors", StringComparison.Ordinal);
        int end = readme.IndexOf("\n### ", start, StringComparison.Ordinal);
        var named = ReadmeCode().Matches(readme[start..end]).Select(m => m.Groups[1].Value).Where(c => c.Contains('-') || c is "unauthorized" or "forbidden" or "conflict" or "timeout" or "internal").ToHashSet(StringComparer.Ordinal);
        Assert.True(named.Count > 30, $"only {named.Count} codes in the README's Errors table");
        var unknown = named.Where(c => !ProblemCatalog.ByCode.ContainsKey(c) && !c.StartsWith("problem", StringComparison.Ordinal)).ToList();
        Assert.True(unknown.Count == 0, $"the README names codes ProblemCatalog lacks: {string.Join(", ", unknown)}");
    }

    [Fact]
    public async Task Every_code_has_a_page_at_its_type_uris_path_and_the_index_anchors_each()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var anonymous = server.CreateClient(null);
        string index = await anonymous.GetStringAsync("/problems");
        foreach (var entry in ProblemCatalog.All)
        {
            Assert.Contains($"id=\"{entry.Code}\"", index, StringComparison.Ordinal);
            string path = new Uri(ProblemTypes.For(entry.Code)).AbsolutePath;
            using var page = await anonymous.GetAsync(path);
            Assert.True(page.StatusCode == HttpStatusCode.OK, $"{path}: {(int)page.StatusCode}");
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            string html = await page.Content.ReadAsStringAsync();
            Assert.Contains(System.Net.WebUtility.HtmlEncode(entry.Title).Replace("&#39;", "&#x27;", StringComparison.Ordinal), html, StringComparison.Ordinal);
            Assert.Contains(ProblemTypes.For(entry.Code), html, StringComparison.Ordinal);
        }

        // An unknown code is itself a problem, whose type has a page.
        using var unknown = await anonymous.GetAsync("/problems/no-such-code");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var problem = JsonNode.Parse(await unknown.Content.ReadAsStringAsync())!;
        Assert.Equal(ProblemTypes.NotFound, (string?)problem["type"]);
    }

    // Every code in src/: the literals each way of raising a problem takes, plus the constants they name.
    private static HashSet<string> RaisedCodes()
    {
        var codes = new HashSet<string>(StringComparer.Ordinal);
        var files = Directory.EnumerateFiles(Path.Combine(NodeTools.Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}DataTier.Client{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        var constants = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string file in files)
        {
            string source = File.ReadAllText(file);
            foreach (Match m in Constant().Matches(source))
            {
                constants[Path.GetFileNameWithoutExtension(file) + "." + m.Groups[1].Value] = m.Groups[2].Value;
            }
        }

        var unresolved = new List<string>();
        foreach (string file in files)
        {
            string source = File.ReadAllText(file);
            string type = Path.GetFileNameWithoutExtension(file).Split('.')[0];
            foreach (var pattern in new[] { KindAndCode(), TopologyRefusal(), Refused(), FactoryNew(), BasePlus() })
            {
                foreach (Match m in pattern.Matches(source))
                {
                    string value = m.Groups["code"].Value;
                    if (value.StartsWith('"'))
                    {
                        codes.Add(value.Trim('"'));
                    }
                    else if (value.StartsWith("ex.Code.Replace", StringComparison.Ordinal) && source.Contains("catch (SqlRejectedException ex)", StringComparison.Ordinal))
                    {
                        // StatementPreparer: every SqlRejectionCodes value, snake_case turned into kebab-case.
                        foreach (var (name, code) in constants.Where(c => c.Key.StartsWith("SqlRejectionCodes.", StringComparison.Ordinal)))
                        {
                            codes.Add(code.Replace('_', '-'));
                        }
                    }
                    else if (constants.TryGetValue(value.Contains('.') ? value : type + "." + value, out string? constant))
                    {
                        codes.Add(constant);
                    }
                    else if (value is not ("code" or "string"))
                    {
                        unresolved.Add($"{Path.GetFileName(file)}: {value}");
                    }
                }
            }
        }

        Assert.True(unresolved.Count == 0, $"problem codes named by an expression this scan cannot resolve (teach RaisedCodes): {string.Join("; ", unresolved)}");
        return codes;
    }

    private const string CodeArgument = @"(?<code>""[^""]+""|[A-Za-z_][\w.]*(?:\('_', '-'\))?)";

    [GeneratedRegex(@"DataTierErrorKind\.\w+,\s*" + CodeArgument)]
    private static partial Regex KindAndCode();

    [GeneratedRegex(@"TopologyChangeException\(\s*" + CodeArgument)]
    private static partial Regex TopologyRefusal();

    [GeneratedRegex(@"\bRefused\(\s*(?<code>""[^""]+"")")]
    private static partial Regex Refused();

    [GeneratedRegex(@"(?:TopologyChangeException|DataTierException|ProblemException) \w+\([^)]*\)\s*=>\s*new\(\s*(?<code>""[^""]+"")")]
    private static partial Regex FactoryNew();

    [GeneratedRegex(@"\b(?:ProblemBase|Base) \+ (?<code>""[a-z0-9-]+"")")]
    private static partial Regex BasePlus();

    [GeneratedRegex(@"const string (\w+) = ""([a-z0-9_-]+)"";")]
    private static partial Regex Constant();

    [GeneratedRegex(@"`([a-z0-9]+(?:-[a-z0-9]+)*)`")]
    private static partial Regex ReadmeCode();
}
