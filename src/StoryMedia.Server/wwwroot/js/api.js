// The StoryMedia HTTP API: JSON in and out, problem details turned into readable errors.

export class ApiError extends Error {
  constructor(status, title, detail, problem = null, retryAfterSeconds = null) {
    super(detail ? `${title} ${detail}` : title);
    this.name = 'ApiError';
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.problem = problem;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

const statusTitles = {
  400: 'The request is not valid.',
  401: 'You are signed out.',
  403: 'You may not do that.',
  404: 'Not found.',
  409: 'That conflicts with work in progress.',
  413: 'That is too large.',
  429: 'Too many requests; wait a moment.',
};

async function errorOf(response) {
  let problem = null;
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    problem = await response.json().catch(() => null);
  }
  const title = problem?.title || statusTitles[response.status] || `The server could not do that (HTTP ${response.status}).`;
  let detail = problem?.detail ?? '';
  if (!detail && problem?.errors) {
    detail = Object.entries(problem.errors).map(([field, messages]) => `${field}: ${messages.join(' ')}`).join(' ');
  }
  const retryAfter = Number.parseInt(response.headers.get('retry-after') ?? '', 10);
  return new ApiError(response.status, title, detail, problem, Number.isFinite(retryAfter) ? retryAfter : null);
}

// The target of a `Link: <…>; rel="next"` header, or null when there is no next page.
function nextLink(header) {
  for (const part of (header ?? '').split(',')) {
    const match = /^\s*<([^>]*)>\s*;\s*rel="?next"?\s*$/i.exec(part);
    if (match) return match[1];
  }
  return null;
}

export function createApi(session) {
  async function send(method, path, body) {
    const headers = { Accept: 'application/json' };
    const token = session.token();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiError(0, 'StoryMedia cannot be reached.', 'Check your connection, then try again.');
    }
    if (!response.ok) {
      const error = await errorOf(response);
      if (response.status === 401 && token) session.expired();
      throw error;
    }
    return response;
  }

  async function request(method, path, body) {
    const response = await send(method, path, body);
    return response.status === 204 ? null : response.json();
  }

  return {
    get: (path) => request('GET', path),
    // A paged list: its items, and the path of the next page from the Link header (null on the last page).
    page: async (path) => {
      const response = await send('GET', path);
      return { items: await response.json(), next: nextLink(response.headers.get('link')) };
    },
    post: (path, body) => request('POST', path, body ?? {}),
    put: (path, body) => request('PUT', path, body),
    // A file the service serves only with the token (a running job's preview), as an object URL for an img.
    objectUrl: async (path) => URL.createObjectURL(await (await send('GET', path)).blob()),
    // EventSource cannot send headers; the events routes read the token from the query instead.
    events: (path) => new EventSource(`${path}?access_token=${encodeURIComponent(session.token() ?? '')}`),
  };
}
