// Follows one story's changes over its event stream (GET /api/stories/{id}/events): the jobs of every kind, started in
// this tab or anywhere else, their progress and ends, and the story's own changes. The browser reconnects by itself and
// resumes after the last event it saw; when the service says it cannot continue from there (`reset`), or closes the
// stream for good (the token expired, the service restarted), the page reads the story and its jobs again.
const jobEvents = ['started', 'progress', 'completed', 'failed', 'cleared'];
const firstRetry = 1000;
const lastRetry = 30000;

export function followStory({ api, storyId, onJob, onStoryChanged, onResync }) {
  let source = null;
  let stopped = false;
  let retry = firstRetry;
  let timer = null;

  function open(resyncOnOpen) {
    source = api.events(`/api/stories/${encodeURIComponent(storyId)}/events`);
    for (const type of jobEvents) source.addEventListener(type, (event) => onJob(type, JSON.parse(event.data)));
    source.addEventListener('story_changed', (event) => onStoryChanged(JSON.parse(event.data)));
    source.addEventListener('reset', () => onResync());
    source.addEventListener('open', () => {
      retry = firstRetry;
      // A new stream starts at the story's newest event: what happened before it is read again.
      if (resyncOnOpen) onResync();
      resyncOnOpen = false;
    });
    source.addEventListener('error', () => {
      // CONNECTING: the browser is reconnecting with Last-Event-ID. CLOSED: it gave up; open a new stream, with the
      // session's current token, after a pause that grows while the service keeps refusing.
      if (stopped || source.readyState !== EventSource.CLOSED) return;
      source.close();
      timer = setTimeout(() => {
        if (!stopped) open(true);
      }, retry);
      retry = Math.min(retry * 2, lastRetry);
    });
  }

  // The first stream, too, starts at the story's newest event: what happened since the view read the story is read again.
  open(true);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      source?.close();
    },
  };
}
