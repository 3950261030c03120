using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;

namespace StoryMedia.Http;

/// <summary>The problem-details answers the API shares.</summary>
public static class Problems
{
    public static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(
            new Dictionary<string, string[]> { [field] = [message] },
            detail: $"{field}: {message}",
            title: "The request is not valid.");

    /// <summary>The same answer whether the story does not exist or belongs to someone else.</summary>
    public static ProblemHttpResult StoryNotFound(Guid storyId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Story not found.", detail: $"There is no story {storyId}.");

    public static ProblemHttpResult JobNotFound(Guid jobId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Job not found.", detail: $"There is no job {jobId}.");

    /// <summary>Parses a required UUID field, naming it when it is missing or malformed.</summary>
    public static bool TryParseId(string? value, string field, out Guid id, out ValidationProblem? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            problem = Invalid(field, "is required.");
        }
        else if (!Guid.TryParse(value, out id))
        {
            problem = Invalid(field, "must be a UUID.");
        }
        else
        {
            return true;
        }
        id = Guid.Empty;
        return false;
    }

    /// <summary>Checks an optional text field against its length limit.</summary>
    public static bool TooLong(string? value, int max, string field, out ValidationProblem? problem)
    {
        problem = value is { Length: var length } && length > max ? Invalid(field, $"must be at most {max} characters.") : null;
        return problem is not null;
    }
}

public static class UserClaims
{
    /// <summary>The signed-in user's id: the token's <c>sub</c>, which authentication has already checked is a UUID.</summary>
    public static Guid UserId(this ClaimsPrincipal user) => Guid.Parse(user.FindFirstValue("sub")!);
}
