// A kind's recent jobs for one story, newest first.
import { el, show } from './dom.js';
import { duration, when } from './format.js';

const shown = 10;

export function createJobHistory({ api, kind }) {
  const list = el('ol', { class: 'history', 'data-role': 'history' });
  // Hidden until the server has answered: before that the page does not know there are none.
  const empty = el('p', { class: 'muted', text: 'No jobs yet.', hidden: true });
  const element = el('section', { class: 'job-history', 'aria-label': `${kind.activity} history` },
    el('h3', { text: 'History' }), empty, list);

  function render(jobs) {
    show(empty, jobs.length === 0);
    list.replaceChildren(...jobs.slice(0, shown).map((job) => {
      const took = job.completed_at ? duration(Date.parse(job.completed_at) - Date.parse(job.started_at)) : 'running';
      return el('li', { class: 'history-item', 'data-status': job.status, 'data-job-id': job.id },
        el('span', { class: `badge ${job.status}`, text: job.status }),
        el('span', { class: 'history-when' }, el('time', { datetime: job.started_at, text: when(job.started_at) })),
        el('span', { class: 'history-took', text: took }),
        job.error ? el('p', { class: 'history-error', text: job.error }) : null,
        describe(job));
    }));
  }

  // What the kind says of a job beyond its status (an image job's scenes), filled in once it is known.
  function describe(job) {
    if (!kind.describeJob) return null;
    const line = el('p', { class: 'history-scope', 'data-role': 'history-scope' });
    kind.describeJob(job, api).then((text) => { line.textContent = text ?? ''; }, () => {});
    return line;
  }

  return {
    element,
    // Reads and shows the story's jobs; answers them, so the panel can follow one already running.
    async refresh(storyId) {
      const jobs = await api.get(`${kind.routes.jobs}?story_id=${encodeURIComponent(storyId)}`);
      render(jobs);
      return jobs;
    },
  };
}
