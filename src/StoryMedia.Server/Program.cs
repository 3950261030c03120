using StoryMedia;

var builder = WebApplication.CreateBuilder(args);
builder.AddStoryMedia();
var app = builder.Build();

if (args is ["migrate", ..])
{
    var applied = await app.Services.MigrateAsync();
    Console.WriteLine(applied.Count == 0 ? "The database is up to date." : $"Applied {string.Join(", ", applied)}.");
    return 0;
}

await app.Services.MigrateAsync();
app.UseStoryMedia();
await app.RunAsync();
return 0;
