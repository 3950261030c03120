// The seed's "already in progress" dialog for one kind: the running job's facts, Cancel, or clear it and start again.
import { el, show, uniqueId } from './dom.js';
import { duration, since } from './format.js';

export function createConflictDialog(kind) {
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
    // Resolves true when the writer chose to clear the job, false on Cancel or Escape.
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
