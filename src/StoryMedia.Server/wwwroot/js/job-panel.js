// One kind of generation job for one story: the start form, the 409 "already in progress" dialog with
// clear and retry, live progress over Server-Sent Events, and the job history. The kind (jobs.js) supplies
// the routes and the wording, so image and video jobs share all of this.
import { ApiError } from './api.js';
import { el, show, showError, uniqueId } from './dom.js';
import { clock, duration, since, when } from './format.js';

const historyShown = 10;

export function createJobPanel({ kind, api, story, content = [], onProgress = () => {}, onCompleted = () => {} }) {
  let currentStory = story;
  let running = null; // the processing job this panel follows
  let shown = null; // the job the progress area describes: running, or the last one that ended here
  let busy = false; // a start or clear request is on its way
  let events = null;
  let ticker = null;
  let announcedDone = null;
  let disposed = false;

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
  clearButton.addEventListener('click', () => offerClearOfRunning(clearButton));
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

  // --- history ---------------------------------------------------------------------------------
  const historyList = el('ol', { class: 'history', 'data-role': 'history' });
  const historyEmpty = el('p', { class: 'muted', text: 'No jobs yet.' });
  const history = el('section', { class: 'job-history', 'aria-label': `${kind.activity} history` },
    el('h3', { text: 'History' }), historyEmpty, historyList);

  const dialog = createConflictDialog(kind);
  document.body.append(dialog.element);

  const element = el('section', { class: 'panel job-panel', 'aria-labelledby': titleId, 'data-kind': kind.key },
    el('h2', { id: titleId, text: kind.title }), ...content, form, errorBox, progressArea, live, history);

  // --- behaviour -------------------------------------------------------------------------------
  function request() {
    const body = { story_id: currentStory.id };
    for (const [name, input] of Object.entries(inputs)) body[name] = input.value.trim();
    return body;
  }

  async function start(opener) {
    if (busy || running || disposed) return; // a double click, or a job this page already follows
    showError(errorBox, null);
    busy = true;
    render();
    try {
      const job = await api.post(kind.routes.generate, request());
      follow(job, `${kind.activity} started.`);
      refreshHistory();
    } catch (error) {
      if (error instanceof ApiError && error.status === 409 && error.problem?.job) {
        busy = false;
        render();
        await offerClear(error.problem.job, error.retryAfterSeconds, opener);
      } else {
        showError(errorBox, refusal(error));
      }
    } finally {
      busy = false;
      render();
    }
  }

  async function offerClearOfRunning(opener) {
    if (!running || busy) return;
    let job = running;
    try {
      job = await api.get(`${kind.routes.jobs}/${running.id}`);
    } catch {
      // The facts the page already has are good enough to decide on.
    }
    if (job.status !== 'processing') {
      onJob(job);
      return;
    }
    await offerClear(job, null, opener);
  }

  // The seed's dialog: confirming clears the story's processing job and starts a new one.
  async function offerClear(job, retryAfterSeconds, opener) {
    const confirmed = await dialog.ask(job, retryAfterSeconds, kind.dialogProgress(job, currentStory));
    if (disposed) return;
    if (!confirmed) {
      // The job keeps running; show it so the page no longer offers a start that would be refused.
      if (running?.id !== job.id) {
        follow(job, `${kind.activity} is in progress.`);
        refreshHistory();
      }
      restoreFocus(opener);
      return;
    }
    busy = true;
    render();
    try {
      const cleared = await api.post(kind.routes.clear, { story_id: currentStory.id });
      if (cleared.job) onJob(cleared.job); // shows the cleared job as failed if this page was following it
      stopFollowing();
      running = null;
      busy = false;
      await start(opener);
    } catch (error) {
      showError(errorBox, error);
    } finally {
      busy = false;
      render();
      refreshHistory();
      restoreFocus(opener);
    }
  }

  function refusal(error) {
    const words = error instanceof ApiError ? kind.refusal?.(error.problem) : null;
    return words ? new ApiError(error.status, words.title, words.detail, error.problem) : error;
  }

  function restoreFocus(opener) {
    const target = opener && !opener.hidden && !opener.closest('[hidden]') && opener.isConnected ? opener : statusLabel;
    target.focus();
  }

  function follow(job, announcement) {
    stopFollowing();
    running = job.status === 'processing' ? job : null;
    shown = job;
    announcedDone = null;
    if (announcement) announce(announcement);
    renderProgress();
    render();
    onProgress(job);
    if (!running) return;
    events = api.events(`${kind.routes.jobs}/${job.id}/events`);
    for (const name of ['progress', 'completed', 'failed']) {
      events.addEventListener(name, (event) => onJob(JSON.parse(event.data)));
    }
    events.addEventListener('error', () => {
      // CONNECTING means the browser retries by itself; CLOSED means the service refused the stream.
      if (events?.readyState === EventSource.CLOSED) recover(job.id);
    });
    ticker = setInterval(renderClocks, 1000);
  }

  async function recover(jobId) {
    stopFollowing();
    try {
      const job = await api.get(`${kind.routes.jobs}/${jobId}`);
      if (job.status === 'processing') follow(job);
      else onJob(job);
    } catch (error) {
      showError(errorBox, error);
    }
  }

  function onJob(job) {
    if (disposed || job.id !== shown?.id) return;
    shown = job;
    if (job.status === 'processing') {
      running = job;
      renderProgress();
      onProgress(job);
      return;
    }
    stopFollowing();
    running = null;
    renderProgress();
    render();
    announce(job.status === 'completed' ? `${kind.activity} completed.` : `${kind.activity} failed. ${job.error ?? ''}`);
    refreshHistory();
    if (job.status === 'completed') onCompleted(job);
    else onProgress(job);
  }

  function stopFollowing() {
    events?.close();
    events = null;
    clearInterval(ticker);
    ticker = null;
  }

  async function refreshHistory() {
    try {
      const jobs = await api.get(`${kind.routes.jobs}?story_id=${encodeURIComponent(currentStory.id)}`);
      if (!disposed) renderHistory(jobs);
      return jobs;
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
    const blocked = busy || Boolean(running);
    // aria-disabled rather than disabled: the button keeps keyboard focus while it waits.
    startButton.setAttribute('aria-disabled', String(blocked));
    startButton.textContent = running ? `${kind.runningLabel}…` : busy ? 'Starting…' : kind.startLabel;
    show(clearButton, Boolean(running));
  }

  function renderProgress() {
    show(progressArea, Boolean(shown));
    if (!shown) return;
    const job = shown;
    progressArea.dataset.status = job.status;
    bar.value = job.progress;
    percent.textContent = `${job.progress} %`;
    // A job no worker has claimed yet waits its turn behind other stories' jobs.
    statusLabel.textContent = job.status === 'processing' ? (job.attempts === 0 ? 'Waiting for a free worker' : kind.runningLabel)
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

  function renderHistory(jobs) {
    show(historyEmpty, jobs.length === 0);
    historyList.replaceChildren(...jobs.slice(0, historyShown).map((job) => {
      const took = job.completed_at ? duration(Date.parse(job.completed_at) - Date.parse(job.started_at)) : 'running';
      return el('li', { class: 'history-item', 'data-status': job.status, 'data-job-id': job.id },
        el('span', { class: `badge ${job.status}`, text: job.status }),
        el('span', { class: 'history-when' }, el('time', { datetime: job.started_at, text: when(job.started_at) })),
        el('span', { class: 'history-took', text: took }),
        job.error ? el('p', { class: 'history-error', text: job.error }) : null);
    }));
  }

  // On opening a story: show its history, and follow a job that is already running (started elsewhere).
  refreshHistory().then((jobs) => {
    if (!disposed && !running && !busy && jobs[0]?.status === 'processing') follow(jobs[0], `${kind.activity} is in progress.`);
  });
  render();

  return {
    element,
    update(story) {
      currentStory = story;
      renderProgress();
    },
    dispose() {
      disposed = true;
      stopFollowing();
      dialog.element.remove();
    },
  };
}

function createConflictDialog(kind) {
  const titleId = uniqueId(`${kind.key}-conflict-title`);
  const textId = uniqueId(`${kind.key}-conflict-text`);
  const started = el('dd', {});
  const progress = el('dd', {});
  const heartbeat = el('dd', {});
  const autoClear = el('p', { class: 'hint' });
  const cancel = el('button', { type: 'submit', value: 'cancel', class: 'button', autofocus: true, 'data-role': 'cancel' }, 'Cancel');
  const confirm = el('button', { type: 'submit', value: 'clear', class: 'button danger', 'data-role': 'confirm' }, 'Clear stuck job and retry');
  const element = el('dialog', { class: 'dialog', 'aria-labelledby': titleId, 'aria-describedby': textId, 'data-role': 'conflict', 'data-kind': kind.key },
    el('form', { method: 'dialog' },
      el('h2', { id: titleId, text: `${kind.activity} already in progress. Clear stuck job?` }),
      el('div', { id: textId },
        el('p', { text: 'Another job for this story is still running, perhaps from another tab or device. Clearing it marks it failed and starts a new one.' }),
        el('dl', { class: 'facts' },
          el('div', {}, el('dt', { text: 'Started' }), started),
          el('div', {}, el('dt', { text: 'Progress' }), progress),
          el('div', {}, el('dt', { text: 'Last heartbeat' }), heartbeat)),
        autoClear),
      el('div', { class: 'dialog-actions' }, cancel, confirm)));

  return {
    element,
    ask(job, retryAfterSeconds, progressText) {
      started.textContent = `${since(job.started_at)} ago`;
      progress.textContent = progressText;
      heartbeat.textContent = `${since(job.heartbeat_at)} ago`;
      autoClear.textContent = retryAfterSeconds
        ? `If it stays silent, it is cleared automatically in about ${duration(retryAfterSeconds * 1000)}.`
        : '';
      show(autoClear, Boolean(retryAfterSeconds));
      element.returnValue = '';
      element.showModal();
      cancel.focus();
      return new Promise((resolve) => {
        element.addEventListener('close', () => resolve(element.returnValue === 'clear'), { once: true });
      });
    },
  };
}
