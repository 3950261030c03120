// One kind of job for one story: the start form, the progress of the job it follows, and its history. Its one state:
//   idle       nothing running that this page knows of; Generate starts a job
//   starting   a start request is on its way
//   following  a processing job is followed; Clear stuck job… offers the conflict dialog
//   clearing   a clear request is on its way (then a start, when the writer asked to retry)
// The story's event stream (story-stream.js, through story-view.js) hands the panel every event of its kind's jobs, so it
// follows a job whoever started it: this tab, another tab, the API or the command line.
// The kind (jobs.js) supplies the routes and the wording; the dialog and the history are their own modules.
import { ApiError } from './api.js';
import { createConflictDialog } from './conflict-dialog.js';
import { el, show, showError, uniqueId } from './dom.js';
import { clock, since } from './format.js';
import { createJobHistory } from './job-history.js';

// While a job is followed it is read again this often: events carry no heartbeat that changes nothing, nor the place of a
// waiting job in the fair order.
const rereadEvery = 5000;

export function createJobPanel({ kind, kinds, api, story, content = [], onProgress = () => {}, onCompleted = () => {} }) {
  let currentStory = story;
  let state = 'idle';
  let shown = null; // the job the progress area describes: the followed one, or the last one that ended here
  let ticker = null;
  let reread = null;
  let announcedDone = null;
  let disposed = false;
  let extra = {}; // what the start asked for beyond the form (a kind's chosen scenes), kept for a retry after a clear

  const titleId = uniqueId(`${kind.key}-jobs`);
  const progressTitleId = uniqueId(`${kind.key}-progress`);

  // --- the start form -------------------------------------------------------------------------
  const inputs = {};
  const fieldNodes = kind.fields.map((field) => {
    const id = uniqueId(`${kind.key}-${field.name}`);
    const hintId = field.hint ? `${id}-hint` : null;
    const input = field.multiline
      ? el('textarea', { id, name: field.name, rows: 3, maxlength: field.maxLength, placeholder: field.placeholder, 'aria-describedby': hintId })
      : el('input', { id, name: field.name, type: 'text', maxlength: field.maxLength, list: field.list, placeholder: field.placeholder,
          autocomplete: 'off', 'aria-describedby': hintId });
    input.value = field.initial?.(story) ?? '';
    inputs[field.name] = input;
    return el('div', { class: 'field' }, el('label', { for: id, text: field.label }), input,
      hintId && el('p', { id: hintId, class: 'hint', text: field.hint }));
  });
  const startButton = el('button', { type: 'submit', class: 'button primary wide', 'data-role': 'start' }, kind.startLabel);
  const form = el('form', { class: 'job-form', novalidate: true }, ...fieldNodes, startButton);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    start(startButton);
  });

  // --- progress --------------------------------------------------------------------------------
  const statusLabel = el('span', { id: progressTitleId, class: 'progress-status', tabindex: '-1' });
  const percent = el('span', { class: 'progress-percent', 'data-role': 'percent' });
  const bar = el('progress', { max: 100, value: 0, 'aria-labelledby': progressTitleId, 'data-role': 'bar' });
  const doneText = el('dd', { 'data-role': 'done' });
  const elapsedText = el('dd', { 'data-role': 'elapsed' });
  const heartbeatText = el('dd', { 'data-role': 'heartbeat' });
  const clearButton = el('button', { type: 'button', class: 'button subtle', 'data-role': 'clear-open' }, 'Clear stuck job…');
  clearButton.addEventListener('click', () => clearStuck(clearButton));
  const jobError = el('p', { class: 'job-error', 'data-role': 'job-error' });
  const progressArea = el('div', { class: 'job-progress', 'data-role': 'progress', hidden: true },
    el('div', { class: 'progress-head' }, statusLabel, percent),
    bar,
    el('dl', { class: 'facts' },
      el('div', {}, el('dt', { text: 'Progress' }), doneText),
      el('div', {}, el('dt', { text: 'Elapsed' }), elapsedText),
      el('div', {}, el('dt', { text: 'Last heartbeat' }), heartbeatText)),
    jobError,
    clearButton);

  // Announced to screen readers: starts, each finished scene, the end. The ticking clocks are not.
  const live = el('p', { class: 'visually-hidden', 'aria-live': 'polite', 'data-role': 'live' });
  const errorBox = el('div', { class: 'notice error', role: 'alert', 'data-role': 'error', hidden: true });

  const history = createJobHistory({ api, kind });
  const dialog = createConflictDialog(kind);
  document.body.append(dialog.element);

  const element = el('section', { class: 'panel job-panel', 'aria-labelledby': titleId, 'data-kind': kind.key },
    el('h2', { id: titleId, text: kind.title }), ...content, form, errorBox, progressArea, live, history.element);

  // --- behaviour -------------------------------------------------------------------------------
  function setState(next) {
    state = next;
    render();
  }

  function request() {
    const body = { story_id: currentStory.id };
    for (const [name, input] of Object.entries(inputs)) body[name] = input.value.trim();
    return { ...body, ...extra };
  }

  async function start(opener, more = {}) {
    if (state !== 'idle' || disposed) return; // a double click, or a job this page already follows
    extra = more;
    const conflict = await tryStart();
    if (conflict) await negotiate(conflict, opener);
  }

  // Clear stuck job…: the followed job, read again, goes to the conflict dialog unless it has ended meanwhile.
  async function clearStuck(opener) {
    if (state !== 'following') return;
    let job = shown;
    try {
      job = await api.get(`${kind.routes.jobs}/${shown.id}`);
    } catch {
      // The facts the page already has are good enough to decide on.
    }
    if (job.status !== 'processing') {
      onJob(job);
      return;
    }
    await negotiate({ job, retryAfterSeconds: null }, opener);
  }

  // One start request. Answers the conflict when this kind's job already runs; any other refusal is shown here.
  async function tryStart() {
    setState('starting');
    showError(errorBox, null);
    try {
      const job = await api.post(kind.routes.generate, request());
      follow(job, `${kind.activity} started.`);
      refreshHistory();
      return null;
    } catch (error) {
      setState('idle');
      if (error instanceof ApiError && error.status === 409 && error.problem?.job?.kind === kind.key) {
        return { job: error.problem.job, retryAfterSeconds: error.retryAfterSeconds };
      }
      showError(errorBox, refusal(error));
      return null;
    }
  }

  // The seed's dialog, until the writer cancels or a start gets through: confirming clears the story's processing job
  // and starts a new one.
  async function negotiate(conflict, opener) {
    while (conflict && !disposed) {
      const { job, retryAfterSeconds } = conflict;
      const confirmed = await dialog.ask(job, retryAfterSeconds, kind.dialogProgress(job, currentStory));
      if (disposed) return;
      if (!confirmed) {
        // The job keeps running; show it so the page no longer offers a start that would be refused.
        if (shown?.id !== job.id || state !== 'following') {
          follow(job, `${kind.activity} is in progress.`);
          refreshHistory();
        }
        break;
      }
      conflict = (await clear()) ? await tryStart() : null;
    }
    restoreFocus(opener);
  }

  async function clear() {
    setState('clearing');
    try {
      const cleared = await api.post(kind.routes.clear, { story_id: currentStory.id });
      if (cleared.job) onJob(cleared.job); // shows the cleared job as failed if this page was following it
      stopFollowing();
      return true;
    } catch (error) {
      showError(errorBox, error);
      return false;
    } finally {
      setState(ticker ? 'following' : 'idle');
      refreshHistory();
    }
  }

  // A 409 from another kind's job, or a refusal the kind rewords, in the page's words rather than the API's routes.
  function refusal(error) {
    if (!(error instanceof ApiError)) return error;
    const blocking = error.status === 409 ? kinds.find((k) => k.key === error.problem?.job?.kind) : null;
    const words = blocking
      ? { title: blocking.busyTitle, detail: kind.blockedDetail(error.problem.job) }
      : kind.refusal?.(error.problem);
    return words ? new ApiError(error.status, words.title, words.detail, error.problem) : error;
  }

  function restoreFocus(opener) {
    const target = opener && !opener.hidden && !opener.closest('[hidden]') && opener.isConnected ? opener : statusLabel;
    target.focus();
  }

  function follow(job, announcement) {
    stopFollowing();
    shown = job;
    announcedDone = null;
    if (announcement) announce(announcement);
    if (job.status === 'processing') {
      ticker = setInterval(renderClocks, 1000);
      reread = setInterval(() => readAgain(job.id), rereadEvery);
      setState('following');
      // Heard of through an event: its queue place and previews come from the job's own route.
      if (job.previews === undefined) readAgain(job.id);
    } else {
      setState('idle');
    }
    renderProgress();
    onProgress(job);
  }

  async function readAgain(jobId) {
    try {
      const job = await api.get(`${kind.routes.jobs}/${jobId}`);
      if (shown?.id === jobId && state === 'following') onJob(job);
    } catch {
      // The next event, or the next read, says how the job stands.
    }
  }

  function onJob(job) {
    if (disposed || job.id !== shown?.id) return;
    // Events leave out a waiting job's place in the fair order and a running job's previews: it keeps the last read.
    if (job.status === 'processing') {
      if (job.queue_position == null && job.attempts === shown.attempts) job = { ...job, queue_position: shown.queue_position };
      if (job.previews === undefined && shown.previews !== undefined) job = { ...job, previews: shown.previews };
    }
    shown = job;
    if (job.status === 'processing') {
      renderProgress();
      onProgress(job);
      return;
    }
    stopFollowing();
    if (state === 'following') setState('idle');
    renderProgress();
    announce(job.status === 'completed' ? `${kind.activity} completed.` : `${kind.activity} failed. ${job.error ?? ''}`);
    refreshHistory();
    onProgress(job);
    if (job.status === 'completed') onCompleted(job);
  }

  // An event of one of this kind's jobs for the story, from the story's stream.
  function receive(type, job) {
    if (disposed) return;
    if (job.id === shown?.id) {
      onJob(job);
      // Events leave a kind's previews out: a new scene done is read from the job.
      if (type === 'progress' && Array.isArray(shown.previews)) readAgain(job.id);
    }
    // A job this page did not start, or the first word of one it did (its start's answer may come later).
    else if (job.status === 'processing' && (state === 'idle' || state === 'following')) follow(job, `${kind.activity} is in progress.`);
    if (type !== 'progress') refreshHistory();
  }

  // After a gap in the story's stream: the kind's jobs are read again, and the newest followed if it still runs.
  async function resync() {
    const jobs = await refreshHistory();
    const latest = jobs[0];
    if (disposed || !latest) return;
    const same = jobs.find((j) => j.id === shown?.id);
    if (same) onJob(same);
    if (latest.status === 'processing' && latest.id !== shown?.id && (state === 'idle' || state === 'following')) {
      follow(latest, `${kind.activity} is in progress.`);
    }
  }

  function stopFollowing() {
    clearInterval(ticker);
    clearInterval(reread);
    ticker = null;
    reread = null;
  }

  async function refreshHistory() {
    try {
      const jobs = await history.refresh(currentStory.id);
      return disposed ? [] : jobs;
    } catch (error) {
      if (!disposed) showError(errorBox, error);
      return [];
    }
  }

  function announce(text) {
    live.textContent = text;
  }

  // --- rendering -------------------------------------------------------------------------------
  function render() {
    // aria-disabled rather than disabled: the button keeps keyboard focus while it waits.
    startButton.setAttribute('aria-disabled', String(state !== 'idle'));
    startButton.textContent = state === 'idle' ? kind.startLabel : state === 'following' ? `${kind.runningLabel}…` : 'Starting…';
    show(clearButton, state === 'following');
  }

  function waitingLabel(position) {
    const ahead = position - 1;
    return ahead === 0 ? 'Waiting: yours is next' : `Waiting: ${ahead} job${ahead === 1 ? '' : 's'} ahead of yours`;
  }

  function renderProgress() {
    show(progressArea, Boolean(shown));
    if (!shown) return;
    const job = shown;
    progressArea.dataset.status = job.status;
    bar.value = job.progress;
    percent.textContent = `${job.progress} %`;
    // A job no worker holds waits its turn in the fair order; the server estimates its place (1 = next).
    statusLabel.textContent = job.status === 'processing' ? (job.queue_position != null ? waitingLabel(job.queue_position) : kind.runningLabel)
      : job.status === 'completed' ? 'Completed' : 'Failed';
    doneText.textContent = kind.progressText(job, currentStory);
    const milestone = (kind.milestone ?? kind.progressText)(job, currentStory);
    if (job.status === 'processing' && announcedDone !== milestone && job.progress > 0) {
      announce(milestone);
    }
    announcedDone = milestone;
    jobError.textContent = job.status === 'failed' ? job.error ?? 'The job failed.' : '';
    show(jobError, job.status === 'failed');
    renderClocks();
  }

  function renderClocks() {
    if (!shown) return;
    const end = shown.completed_at ? Date.parse(shown.completed_at) : Date.now();
    elapsedText.textContent = clock(end - Date.parse(shown.started_at));
    heartbeatText.textContent = shown.status === 'processing' ? `${since(shown.heartbeat_at)} ago` : '—';
  }

  // On opening a story: show its history, and follow a job that is already running (started elsewhere).
  resync();
  render();

  return {
    element,
    // Starts a job with more than the form says (e.g. { scene_ids }), with the same progress, dialog and history.
    start(more, opener) {
      return start(opener, more);
    },
    update(next) {
      currentStory = next;
      renderProgress();
    },
    receive,
    resync,
    dispose() {
      disposed = true;
      stopFollowing();
      dialog.element.remove();
    },
  };
}
