using StoryMedia;
using StoryMedia.Cli;

if (ServerCommands.IsCommand(args))
{
    return await ServerCommands.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddStoryMedia();
var app = builder.Build();
await app.Services.MigrateAsync();
app.UseStoryMedia();
await app.RunAsync();
return 0;
