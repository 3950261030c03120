using Amazon.S3.Model;

namespace StoryMedia.Bench;

/// <summary>
/// Scenario 3 with the S3 media store: the same image job on a server whose media go to s3rver, beside the same scenes
/// rendered in a plain loop that writes each image to the same server with one raw PutObject, as the service does.
/// </summary>
public static class S3Pipeline
{
    public static async Task<Pipeline.Result> RunAsync(Report report, ScenarioHost host, Guid user, CancellationToken ct)
    {
        var sizes = host.Sizes;
        host.Say("starting s3rver");
        await using var s3 = await S3rver.StartAsync(host.Work, ct);
        var (server, _) = await host.StartServerAsync("pg-s3", workers: 1, s3.Settings("job/"), ct);
        await using (server)
        {
            using var client = new BenchClient(server.Address, user, 4);
            using var raw = s3.Client();
            host.Say($"pipeline with the S3 store: {sizes.PipelineRuns} interleaved runs of {sizes.PipelineScenes} scenes each side");
            var result = await Pipeline.RunAsync(client, sizes.PipelineScenes, sizes.PipelineRuns, (bytes, token) => raw.PutObjectAsync(new PutObjectRequest
            {
                BucketName = S3rver.Bucket,
                Key = $"raw/{Guid.NewGuid():N}.png",
                InputStream = new MemoryStream(bytes.ToArray(), writable: false),
                ContentType = "image/png",
                // As S3MediaStore writes: a plain body, which every S3-compatible server stores as sent.
                UseChunkEncoding = false,
            }, token), ct);
            Add(report, result);
            return result;
        }
    }

    private static void Add(Report report, Pipeline.Result result)
    {
        var above = result.AboveRenderMs;
        var put = result.WriteMsPerScene.Median;
        var overhead = result.OverheadMs;
        var met = overhead.Median <= 2;
        report.Figures.Add(new("PostgreSQL", "3 pipeline, S3 store", $"{result.Scenes}-scene image job with media in s3rver: its cost per scene above rendering (ms; median of {result.Runs.Count} interleaved pairs)",
            above.Describe("0.0", "pairs"), $"a raw PutObject of the same PNG bytes to the same s3rver from the bench process (AWSSDK.S3, as the service calls it): {Report.Number(put, "0.0")} ms per image (median)",
            Report.Ratio(above.Median / put), "≤ PutObject + 2 ms", met));
        report.Reading.Add(
            $"**Pipeline with the S3 store.** With its media in s3rver, the {result.Scenes}-scene job cost a median {Report.Number(above.Median, "0.0")} ms per scene beyond rendering " +
            $"(half the pairs {Report.Number(above.LowerQuartile, "0.0")} to {Report.Number(above.UpperQuartile, "0.0")} ms), where a raw PutObject of the same bytes to the same server took {Report.Number(put, "0.0")} ms: " +
            $"per pair, the job exceeded the loop that renders and puts each image by a median {Report.Number(overhead.Median, "0.0")} ms per scene " +
            $"(IQR {Report.Number(overhead.LowerQuartile, "0.0")} to {Report.Number(overhead.UpperQuartile, "0.0")}; target ≤ 2 ms, the filesystem pipeline's budget on top of the store's own write: {(met ? "met" : "missed")}). " +
            "Below zero, the job was the faster: it stores each image while it draws the next, where the loop puts each image before it renders the next one. " +
            "What the job adds beyond the store's write is the service's own work per scene, which the filesystem pipeline's row measures on the same database. " +
            "s3rver is a Node test server on the same 2 cores that writes each object to a local directory: it is not a real store's speed. " +
            "Against a real bucket a PutObject costs a network round trip or more (tens of milliseconds), paid once per scene by the job and by any client alike.");
    }
}
