using System.Buffers;
using System.Text.Json;
using DataTier.HttpCeiling;

// The HTTP ceiling of this machine for DataTier's request shape: Kestrel with no middleware at all, one endpoint that
// reads the same JSON body a cache-hit read sends (parsed into the same fields) and writes a fixed answer of the same
// size. bench/run measures it next to DataTier so a report can say how much of the ceiling DataTier reaches.
var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = args });
builder.WebHost.UseKestrelCore();
// The same transport setting as DataTier's (DataTier:Server:InlineScheduling): a ceiling must not be lower than the
// server it bounds for a reason the server does not share.
builder.WebHost.UseSockets(static o => o.UnsafePreferInlineScheduling = true);
builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
builder.Configuration.AddCommandLine(args);
var app = builder.Build();
byte[] answer = """{"rows":[{"team_id":"team-42","name":"Team 42","plan":"enterprise","created_at":"2025-12-24T20:26:33.184994Z"}],"rowCount":1,"truncated":false,"shard":"s1","servedBy":"cache","cache":{"layer":"l1","ageMs":12.5,"ttlSeconds":2,"complexity":1},"elapsedMs":0.01}"""u8.ToArray();
app.Run(async context =>
{
    var request = await CeilingRequest.ReadAsync(context.Request.BodyReader, context.Request.ContentLength ?? 0, context.RequestAborted);
    if (request?.Sql is null)
    {
        context.Response.StatusCode = 400;
        return;
    }

    context.Response.ContentType = "application/json";
    context.Response.ContentLength = answer.Length;
    await context.Response.BodyWriter.WriteAsync(answer, context.RequestAborted);
});
app.Run();
