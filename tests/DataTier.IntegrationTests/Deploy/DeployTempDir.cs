namespace DataTier.IntegrationTests.Deploy;

/// <summary>A temporary directory, removed with everything in it on dispose.</summary>
internal sealed class DeployTempDir(string path) : IDisposable
{
    public string Path { get; } = path;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
