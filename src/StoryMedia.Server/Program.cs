using StoryMedia;
using StoryMedia.Cli;

if (ServerCommands.IsCommand(args))
{
    return await ServerCommands.RunAsync(args);
}

// Settings are read once, at start. Reloading appsettings.json on change would watch the whole content root, the
// default SQLite file and media under data/ included, and wake on every write the service makes (docs/operations.md).
var builder = WebApplication.CreateBuilder([.. args, "--hostBuilder:reloadConfigOnChange=false"]);
builder.AddStoryMedia();
var app = builder.Build();
await app.Services.MigrateAsync();
app.UseStoryMedia();
await app.RunAsync();
return 0;
