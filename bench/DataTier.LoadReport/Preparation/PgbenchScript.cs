namespace DataTier.LoadReport.Preparation;

/// <summary>One pgbench script file and its weight (<c>-f path@weight</c>).</summary>
internal sealed record PgbenchScript(string Path, int Weight)
{
    public string Argument => $"{Path}@{Weight}";
}
