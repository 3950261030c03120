// Follows one processing job over Server-Sent Events until it ends. When the service closes the stream for good (it
// restarted, the token expired) the job is read once and followed again if it still runs.

export function createJobFollower({ api, kind, onJob, onError }) {
  let events = null;
  let followed = null; // the id of the job followed; null once stopped

  function follow(job) {
    stop();
    if (job.status !== 'processing') return;
    followed = job.id;
    events = api.events(`${kind.routes.jobs}/${job.id}/events`);
    for (const name of ['progress', 'completed', 'failed']) {
      events.addEventListener(name, (event) => onJob(JSON.parse(event.data)));
    }
    events.addEventListener('error', () => {
      // CONNECTING means the browser retries by itself; CLOSED means the service refused the stream.
      if (events?.readyState === EventSource.CLOSED) recover(job.id);
    });
  }

  async function recover(jobId) {
    events?.close();
    events = null;
    try {
      const job = await api.get(`${kind.routes.jobs}/${jobId}`);
      if (followed !== jobId) return; // stopped meanwhile
      onJob(job);
      if (followed === jobId) follow(job);
    } catch (error) {
      if (followed === jobId) onError(error);
    }
  }

  function stop() {
    events?.close();
    events = null;
    followed = null;
  }

  return { follow, stop };
}
