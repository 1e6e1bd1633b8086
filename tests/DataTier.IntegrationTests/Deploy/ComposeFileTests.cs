using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DataTier.Postgres.Authentication;

namespace DataTier.IntegrationTests.Deploy;

/// <summary>
/// docker-compose.yml, its Dockerfiles, scripts and .env.example agree with each other and with the server. There is no
/// Docker engine here: the file is checked by docker-compose itself (config) and against the repository, never run.
/// </summary>
public sealed partial class ComposeFileTests
{
    private static readonly string EnvExample = DeployTools.PathOf(".env.example");

    // Commands that come with a base image rather than from this repository.
    private static readonly string[] BaseImageCommands = ["bash", "redis-cli", "redis-server"];

    // Resolved once for the class (each docker-compose and node start costs a second or two); the tests only read it.
    private static readonly Lazy<Task<JsonObject>> Resolved = new(ResolveAsync);

    [Fact]
    public async Task Compose_config_passes_with_the_example_env()
    {
        var (code, _, stderr) = await ComposeAsync(EnvExample, "config", "-q");
        Assert.True(code == 0, stderr);
    }

    [Fact]
    public async Task Compose_config_fails_when_the_env_lacks_a_key()
    {
        // The check above can fail: the same .env without the app key's hash does, naming it.
        using var dir = DeployTools.NewTempDir();
        string env = Path.Combine(dir.Path, ".env");
        var lines = (await File.ReadAllLinesAsync(EnvExample)).Where(l => !l.StartsWith("DATATIER_APP_KEY_SHA256=", StringComparison.Ordinal)).ToList();
        Assert.Equal((await File.ReadAllLinesAsync(EnvExample)).Length - 1, lines.Count);
        await File.WriteAllLinesAsync(env, lines);

        var (code, stdout, stderr) = await ComposeAsync(env, "config", "-q");
        Assert.True(code != 0, stdout + stderr);
        Assert.Contains("DATATIER_APP_KEY_SHA256", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_contexts_dockerfiles_and_their_copy_sources_exist_and_are_not_docker_ignored()
    {
        var services = (await ConfigAsync())["services"]!.AsObject();
        string[] ignored = DockerIgnorePatterns();
        // COPY . . must not ship the dev cluster's data or build output.
        Assert.Contains(".dev", ignored);
        Assert.Contains("**/bin", ignored);
        Assert.Contains("**/obj", ignored);
        Assert.Contains(".env", ignored);

        var built = services.Where(s => s.Value!["build"] is not null).ToList();
        Assert.Equal(["catalog", "datatier", "migrate", "s1-primary", "s1-replica1", "s2-primary", "s2-replica1"], built.Select(s => s.Key).Order(StringComparer.Ordinal));
        foreach (var (name, service) in built)
        {
            string context = (string)service!["build"]!["context"]!;
            Assert.Equal(DeployTools.Root, Path.GetFullPath(context).TrimEnd('/'));
            var dockerfile = Dockerfile.Read(Path.Combine(context, (string)service["build"]!["dockerfile"]!));
            foreach (var (sources, _) in dockerfile.ContextCopies)
            {
                foreach (string source in sources.Where(s => s != "."))
                {
                    string path = Path.Combine(context, source);
                    Assert.True(File.Exists(path) || Directory.Exists(path), $"{name}: {dockerfile.Path} copies {source}, which does not exist");
                    Assert.False(ignored.Any(p => source.TrimEnd('/') == p || source.StartsWith(p + "/", StringComparison.Ordinal)), $"{name}: {source} is excluded by .dockerignore");
                }
            }
        }
    }

    [Fact]
    public async Task Images_are_the_public_images_of_the_versions_the_app_is_built_for()
    {
        var services = (await ConfigAsync())["services"]!.AsObject();
        // The .NET images' tag is the target framework's version; PostgreSQL's major is the one ./datatier installs the
        // extensions for (and the dev cluster runs).
        string framework = Regex.Match(await File.ReadAllTextAsync(DeployTools.PathOf("Directory.Build.props")), "<TargetFramework>net([0-9.]+)</TargetFramework>").Groups[1].Value;
        string pgMajor = Regex.Match(await File.ReadAllTextAsync(DeployTools.PathOf("datatier")), "^PG_MAJOR=([0-9]+)$", RegexOptions.Multiline).Groups[1].Value;
        Assert.Equal("10.0", framework);
        Assert.Equal("15", pgMajor);
        var expected = new Dictionary<string, string[]>(StringComparer.Ordinal)
        {
            ["src/DataTier.Server/Dockerfile"] = [$"mcr.microsoft.com/dotnet/sdk:{framework}", $"mcr.microsoft.com/dotnet/aspnet:{framework}"],
            ["src/DataTier.Cli/Dockerfile"] = [$"mcr.microsoft.com/dotnet/sdk:{framework}", $"mcr.microsoft.com/dotnet/aspnet:{framework}"],
            ["deploy/postgres/Dockerfile"] = [$"postgres:{pgMajor}"],
        };
        foreach (var (name, service) in services)
        {
            if (service!["build"] is { } build)
            {
                string dockerfile = (string)build["dockerfile"]!;
                Assert.True(expected.TryGetValue(dockerfile, out var images), $"{name} builds {dockerfile}, which this test does not know");
                Assert.Equal(images, Dockerfile.Read(DeployTools.PathOf(dockerfile)).BaseImages);
                // Every service built from one Dockerfile is tagged alike, and with a local tag nothing pulls.
                Assert.EndsWith(":local", (string)service["image"]!, StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal("redis", name);
                Assert.Equal("redis:7", (string)service["image"]!);
            }
        }

        Assert.Single(services.Where(s => s.Value!["build"] is { } b && (string)b["dockerfile"]! == "deploy/postgres/Dockerfile").Select(s => (string)s.Value!["image"]!).Distinct());
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Every_command_a_service_runs_is_installed_by_its_image_and_parses()
    {
        var services = (await ConfigAsync())["services"]!.AsObject();
        string bash = DeployTools.Tool("bash", "bash");
        int ours = 0;
        foreach (var (name, service) in services)
        {
            var commands = new List<string>();
            if (service!["healthcheck"]?["test"] is JsonArray test && (string)test[0]! == "CMD")
            {
                commands.Add((string)test[1]!);
            }

            if (service["command"] is JsonArray command)
            {
                commands.Add((string)command[0]!);
            }

            if (service["entrypoint"] is JsonArray entrypoint)
            {
                commands.Add((string)entrypoint[0]!);
            }

            var copies = service["build"] is { } build
                ? Dockerfile.Read(DeployTools.PathOf((string)build["dockerfile"]!)).ContextCopies.Where(c => c.Destination == "/usr/local/bin/").SelectMany(c => c.Sources).ToList()
                : [];
            foreach (string run in commands)
            {
                if (BaseImageCommands.Contains(run))
                {
                    continue;
                }

                string file = Path.GetFileName(run);
                Assert.True(run == file || run == "/usr/local/bin/" + file, $"{name} runs {run}, which is not where its image installs scripts");
                string? source = copies.FirstOrDefault(c => Path.GetFileName(c) == file);
                Assert.True(source is not null, $"{name} runs {run}, which its Dockerfile does not copy to /usr/local/bin/");
                string path = DeployTools.PathOf(source!);
                Assert.True((File.GetUnixFileMode(path) & UnixFileMode.UserExecute) != 0, $"{source} is not executable");
                var (code, _, stderr) = await DeployTools.RunAsync(bash, ["-n", path]);
                Assert.True(code == 0, $"{source}: {stderr}");
                ours++;
            }
        }

        // datatier-healthcheck (5 databases), datatier-replica (2 replicas), datatier-migrate.
        Assert.Equal(8, ours);
    }

    [Fact]
    public async Task Healthchecks_wait_for_tcp_the_roles_and_streaming()
    {
        var services = (await ConfigAsync())["services"]!.AsObject();
        foreach (string db in new[] { "catalog", "s1-primary", "s2-primary" })
        {
            Assert.Equal(["CMD", "datatier-healthcheck", "primary"], Strings(services[db]!["healthcheck"]!["test"]!));
        }

        foreach (string replica in new[] { "s1-replica1", "s2-replica1" })
        {
            Assert.Equal(["CMD", "datatier-healthcheck", "replica"], Strings(services[replica]!["healthcheck"]!["test"]!));
            Assert.Equal("service_healthy", (string)services[replica]!["depends_on"]![replica.Replace("-replica1", "-primary", StringComparison.Ordinal)]!["condition"]!);
        }

        // The image's init phase runs a server on the Unix socket only; a check over TCP cannot pass before it ends.
        string script = await File.ReadAllTextAsync(DeployTools.PathOf("deploy", "postgres", "datatier-healthcheck"));
        Assert.Contains("psql -h 127.0.0.1 -p 5432", script, StringComparison.Ordinal);
        Assert.Contains("pg_stat_wal_receiver", script, StringComparison.Ordinal);
        Assert.DoesNotContain("pg_isready", await File.ReadAllTextAsync(DeployTools.PathOf("docker-compose.yml")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DataTier_starts_after_the_migrate_service_succeeded_and_migrate_after_the_databases()
    {
        var services = (await ConfigAsync())["services"]!.AsObject();
        var datatier = services["datatier"]!;
        Assert.Equal("service_completed_successfully", (string)datatier["depends_on"]!["migrate"]!["condition"]!);
        Assert.Equal("unless-stopped", (string)datatier["restart"]!);
        var migrate = services["migrate"]!;
        Assert.Equal("no", (string)migrate["restart"]!);
        foreach (string db in new[] { "catalog", "s1-primary", "s2-primary" })
        {
            Assert.Equal("service_healthy", (string)migrate["depends_on"]![db]!["condition"]!);
            Assert.Equal("unless-stopped", (string)services[db]!["restart"]!);
        }

        // The migrate service migrates, as the tables' owner, the databases DataTier serves, with the same shard ids.
        var env = EnvironmentOf(datatier);
        var migrateEnv = EnvironmentOf(migrate);
        Assert.Equal(Rewrite(env["DataTier:Catalog:ConnectionString"]), migrateEnv["MIGRATE_CATALOG"]);
        var shards = migrateEnv["MIGRATE_SHARDS"].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, shards.Length);
        for (int i = 0; i < shards.Length; i++)
        {
            string id = env[$"DataTier:Topology:Shards:{i}:Id"];
            Assert.Equal($"{id}={Rewrite(env[$"DataTier:Topology:Shards:{i}:Primary"])}", shards[i]);
        }

        // The same demo data option as `dev up --rows` (0: --no-data), with its default.
        string rows = DevCluster.LocalClusterOptions.DefaultRows.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(rows, EnvFile()["DATATIER_DEMO_ROWS"]);
        Assert.Equal(rows, migrateEnv["DATATIER_DEMO_ROWS"]);
        Assert.Contains("datatier demo load --rows \"$DATATIER_DEMO_ROWS\"", await File.ReadAllTextAsync(DeployTools.PathOf("deploy", "cli", "datatier-migrate")), StringComparison.Ordinal);

        static string Rewrite(string appConnection) => appConnection
            .Replace("Username=datatier_app", "Username=datatier_admin", StringComparison.Ordinal)
            .Replace($"Password={EnvFile()["DATATIER_APP_PASSWORD"]}", $"Password={EnvFile()["DATATIER_ADMIN_PASSWORD"]}", StringComparison.Ordinal);
    }

    [Fact]
    public async Task DataTier_environment_is_made_of_the_servers_configuration_keys()
    {
        var env = EnvironmentOf((await ConfigAsync())["services"]!["datatier"]!);
        var keys = env.Where(e => e.Key.StartsWith("DataTier:", StringComparison.Ordinal)).ToDictionary(e => e.Key, e => (string?)e.Value, StringComparer.OrdinalIgnoreCase);
        Assert.True(keys.Count > 20, string.Join(", ", keys.Keys));
        Assert.Empty(ServerConfigurationKeys.Problems(keys));
        Assert.Empty(ServerConfigurationKeys.StaleDirectKeys());

        // The checker is real: a misspelt key and a value of the wrong type are both reported.
        var broken = new Dictionary<string, string?>(keys, StringComparer.OrdinalIgnoreCase)
        {
            ["DataTier:Topology:Shards:0:Wieght"] = "1",
            ["DataTier:Postgres:Port"] = "five",
        };
        var problems = ServerConfigurationKeys.Problems(broken);
        Assert.True(problems.Count == 2, string.Join("\n", problems));
        Assert.True(problems.Any(p => p.Contains("Wieght", StringComparison.Ordinal)), string.Join("\n", problems));
        Assert.Contains(problems, p => p.Contains("DataTier:Postgres", StringComparison.Ordinal));

        // Everything else in its environment is the host's: the shutdown timeout.
        Assert.Equal(["DOTNET_shutdownTimeoutSeconds"], env.Keys.Where(k => !k.StartsWith("DataTier:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Ports_are_the_ones_the_server_listens_on()
    {
        var datatier = (await ConfigAsync())["services"]!["datatier"]!;
        var env = EnvironmentOf(datatier);
        var dockerfile = Dockerfile.Read(DeployTools.PathOf("src", "DataTier.Server", "Dockerfile"));
        int http = new Uri(dockerfile.Env("ASPNETCORE_URLS")!.Replace("0.0.0.0", "host", StringComparison.Ordinal)).Port;
        int wire = int.Parse(env["DataTier:Postgres:Port"], CultureInfo.InvariantCulture);
        Assert.Equal(8080, http);
        Assert.Equal("0.0.0.0", env["DataTier:Postgres:ListenAddress"]);
        var targets = datatier["ports"]!.AsArray().Select(p => (int)p!["target"]!).ToList();
        Assert.Equal([http, wire], targets);
        Assert.Contains($"EXPOSE {http} {wire}", dockerfile.Instructions);
        Assert.Contains($"/dev/tcp/127.0.0.1/{http}", string.Join(' ', Strings(datatier["healthcheck"]!["test"]!)), StringComparison.Ordinal);
        Assert.Equal("redis:6379", env["DataTier:Redis:Configuration"]);
        Assert.All(env.Where(e => e.Key.Contains("Shards", StringComparison.Ordinal) && e.Key.EndsWith("Primary", StringComparison.Ordinal)), e =>
            Assert.Matches("^Host=s[12]-primary;Database=datatier;Username=datatier_app;Password=", e.Value));
    }

    [Fact]
    public async Task Shutdown_gives_in_flight_requests_the_longest_statement_timeout()
    {
        var datatier = (await ConfigAsync())["services"]!["datatier"]!;
        int shutdown = int.Parse(EnvironmentOf(datatier)["DOTNET_shutdownTimeoutSeconds"], CultureInfo.InvariantCulture);
        Assert.Equal(TimeSpan.FromSeconds(shutdown), ServerHost.ShutdownTimeout("DOTNET_shutdownTimeoutSeconds", shutdown.ToString(CultureInfo.InvariantCulture)));
        Assert.True(shutdown * 1000 > new Core.Execution.DataApiOptions().MaxTimeoutMs);
        Assert.Equal("45s", (string)datatier["stop_grace_period"]!);
        Assert.True(45 > shutdown);
    }

    [Fact]
    public async Task Api_keys_are_the_hashes_and_verifiers_of_the_env_example_keys_with_their_scopes()
    {
        var env = EnvironmentOf((await ConfigAsync())["services"]!["datatier"]!);
        var file = EnvFile();
        var expected = new (string Name, string Variable, string[] Scopes)[]
        {
            ("admin", "DATATIER_ADMIN_KEY", ["admin", "data:read", "data:write"]),
            ("app", "DATATIER_APP_KEY", ["data:read", "data:write"]),
            ("reader", "DATATIER_READER_KEY", ["data:read"]),
        };
        for (int i = 0; i < expected.Length; i++)
        {
            var (name, variable, scopes) = expected[i];
            string key = file[variable];
            Assert.StartsWith(name == "reader" ? "dt_read_" : $"dt_{name}_", key, StringComparison.Ordinal);
            Assert.Equal(name, env[$"DataTier:Auth:Keys:{i}:Name"]);
            Assert.Equal(DevCluster.Secrets.Sha256Hex(key), env[$"DataTier:Auth:Keys:{i}:Sha256"]);
            Assert.Equal(file[variable + "_SHA256"], env[$"DataTier:Auth:Keys:{i}:Sha256"]);
            Assert.Equal(scopes, env.Where(e => e.Key.StartsWith($"DataTier:Auth:Keys:{i}:Scopes:", StringComparison.Ordinal)).OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Value));

            // The SCRAM verifier is the key's: the same salt and iterations give the same stored and server keys.
            Assert.True(ScramVerifier.TryParsePostgresFormat(env[$"DataTier:Auth:Keys:{i}:ScramSha256"], out var verifier), env[$"DataTier:Auth:Keys:{i}:ScramSha256"]);
            Assert.Equal(verifier.ToPostgresFormat(), ScramVerifier.Create(key, verifier.Salt.Span, verifier.Iterations).ToPostgresFormat());
            Assert.NotEqual(verifier.ToPostgresFormat(), ScramVerifier.Create(key + "x", verifier.Salt.Span, verifier.Iterations).ToPostgresFormat());
        }

        Assert.Equal(32, Convert.FromBase64String(env["DataTier:Tokens:SigningKey"]).Length);
    }

    [Fact]
    public async Task Init_script_runs_the_roles_sql_and_datatier_connects_as_the_app_role()
    {
        var env = EnvironmentOf((await ConfigAsync())["services"]!["datatier"]!);
        Assert.All(env.Where(e => e.Value.StartsWith("Host=", StringComparison.Ordinal)), e => Assert.Contains("Username=datatier_app;", e.Value, StringComparison.Ordinal));
        Assert.Equal("datatier_admin", env["DataTier:Maintenance:Username"]);
        var dockerfile = Dockerfile.Read(DeployTools.PathOf("deploy", "postgres", "Dockerfile"));
        Assert.Contains(dockerfile.ContextCopies, c => c.Sources.SequenceEqual(["sql/roles.sql"]) && c.Destination == "/usr/local/share/datatier/roles.sql");
        string init = await File.ReadAllTextAsync(DeployTools.PathOf("deploy", "postgres", "initdb", "10-datatier-roles.sh"));
        Assert.Contains("/usr/local/share/datatier/roles.sql", init, StringComparison.Ordinal);
        // The roles.sql statement the init script rewrites for the catalog's database is still there to rewrite.
        Assert.Contains("\nALTER DATABASE datatier OWNER TO datatier_admin;", await File.ReadAllTextAsync(DeployTools.PathOf("sql", "roles.sql")), StringComparison.Ordinal);
        Assert.Contains("shared_preload_libraries = 'pg_stat_statements,pg_qualstats'", string.Join('\n', dockerfile.Instructions), StringComparison.Ordinal);
        Assert.Contains("postgresql-$PG_MAJOR-hypopg", string.Join('\n', dockerfile.Instructions), StringComparison.Ordinal);
        Assert.Contains("postgresql-$PG_MAJOR-pg-qualstats", string.Join('\n', dockerfile.Instructions), StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> ComposeAsync(string envFile, params string[] arguments) =>
        await DeployTools.RunAsync(
            DeployTools.Tool("docker-compose", "docker-compose"),
            ["--project-directory", DeployTools.Root, "-f", DeployTools.PathOf("docker-compose.yml"), "--env-file", envFile, .. arguments]);

    /// <summary>The file as docker-compose resolves it with .env.example: anchors merged, variables substituted.</summary>
    private static Task<JsonObject> ConfigAsync() => Resolved.Value;

    private static async Task<JsonObject> ResolveAsync()
    {
        var (code, stdout, stderr) = await ComposeAsync(EnvExample, "config");
        Assert.True(code == 0, stderr);
        using var dir = DeployTools.NewTempDir();
        string resolved = Path.Combine(dir.Path, "compose.yml");
        await File.WriteAllTextAsync(resolved, stdout);
        return await DeployTools.ReadYamlObjectAsync(resolved);
    }

    /// <summary>A service's environment, DataTier__ names in colon form, compose's <c>$$</c> escapes undone.</summary>
    private static Dictionary<string, string> EnvironmentOf(JsonNode service) =>
        service["environment"]!.AsObject().ToDictionary(
            e => e.Key.StartsWith("DataTier__", StringComparison.Ordinal) ? ServerConfigurationKeys.FromEnvironmentName(e.Key) : e.Key,
            e => e.Value!.ToString().Replace("$$", "$", StringComparison.Ordinal),
            StringComparer.Ordinal);

    private static Dictionary<string, string> EnvFile() =>
        File.ReadAllLines(EnvExample)
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1].Trim('\''), StringComparer.Ordinal);

    private static string[] DockerIgnorePatterns() =>
        File.ReadAllLines(DeployTools.PathOf(".dockerignore")).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();

    private static List<string> Strings(JsonNode array) => array.AsArray().Select(n => (string)n!).ToList();
}
