using DataTier.Server.Hosting;

var app = DataTierHost.Build(args);
app.Run();

/// <summary>Entry point; public so integration tests can host the server in-process.</summary>
public partial class Program;
