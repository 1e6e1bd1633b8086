namespace DataTier.IntegrationTests.Deploy;

/// <summary>What the deploy tests read from a Dockerfile: its FROM images, COPY instructions and ENV values.</summary>
internal sealed class Dockerfile
{
    private Dockerfile(string path, List<string> instructions)
    {
        Path = path;
        Instructions = instructions;
    }

    public string Path { get; }

    /// <summary>Instructions with continuation lines joined and comments left out.</summary>
    public List<string> Instructions { get; }

    /// <summary>Images of the FROM lines (build stages named by AS are not images).</summary>
    public List<string> BaseImages
    {
        get
        {
            var stages = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var images = new List<string>();
            foreach (var words in Words("FROM"))
            {
                if (!stages.Contains(words[1]))
                {
                    images.Add(words[1]);
                }

                if (words.Count >= 4 && words[2].Equals("AS", StringComparison.OrdinalIgnoreCase))
                {
                    stages.Add(words[3]);
                }
            }

            return images;
        }
    }

    /// <summary>COPY instructions from the build context (not --from a stage): their sources and destination.</summary>
    public List<(List<string> Sources, string Destination)> ContextCopies =>
        Words("COPY")
            .Where(w => !w.Any(a => a.StartsWith("--from=", StringComparison.Ordinal)))
            .Select(w => w.Skip(1).Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList())
            .Select(w => (w[..^1], w[^1]))
            .ToList();

    /// <summary>The value an ENV instruction gives <paramref name="name"/> (ENV NAME=VALUE form), or null.</summary>
    public string? Env(string name) =>
        Words("ENV").SelectMany(w => w.Skip(1))
            .Where(a => a.StartsWith(name + "=", StringComparison.Ordinal))
            .Select(a => a[(name.Length + 1)..])
            .LastOrDefault();

    public static Dockerfile Read(string path)
    {
        Assert.True(File.Exists(path), $"{path} does not exist");
        var instructions = new List<string>();
        string pending = "";
        foreach (string raw in File.ReadAllLines(path))
        {
            string line = raw.Trim();
            if (line.StartsWith('#') || (line.Length == 0 && pending.Length == 0))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }

            instructions.Add(pending + line);
            pending = "";
        }

        return new Dockerfile(path, instructions);
    }

    private IEnumerable<List<string>> Words(string instruction) =>
        Instructions
            .Where(i => i.StartsWith(instruction + " ", StringComparison.OrdinalIgnoreCase))
            .Select(i => i.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList());
}
