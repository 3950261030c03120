// Editing a story's scenes: a textarea per scene, moved up and down by buttons, saved in one request.
import { ApiError } from './api.js';
import { el, showError, uniqueId } from './dom.js';

const maxTextLength = 2000;
const busyMessage = 'Images or a video are being generated for this story; edit the scenes when that job is done.';

export function createSceneEditor({ api, story, onSaved, onCancel }) {
  const draft = story.scenes.map((s) => ({ id: s.id, text: s.text }));
  const list = el('ol', { class: 'scene-editor', 'aria-label': 'Scenes being edited' });
  // Says where a moved scene went, since its buttons follow it and the list changes under the reader.
  const status = el('p', { class: 'visually-hidden', role: 'status' });
  const errorBox = el('div', { class: 'notice error', role: 'alert', 'data-role': 'editor-error', hidden: true });
  const save = el('button', { type: 'submit', class: 'button primary', 'data-role': 'save-scenes' }, 'Save');
  const cancel = el('button', { type: 'button', class: 'button', 'data-role': 'cancel-edit', onclick: () => onCancel() }, 'Cancel');
  let saving = false;

  function render(focus) {
    list.replaceChildren(...draft.map((scene, index) => {
      const number = index + 1;
      const textId = uniqueId('scene-text');
      const text = el('textarea', { id: textId, rows: 3, maxlength: maxTextLength, required: true, 'data-role': 'scene-text' });
      text.value = scene.text;
      text.addEventListener('input', () => { scene.text = text.value; });
      const up = moveButton(index, -1, `Move scene ${number} up`, 'Move up', index === 0);
      const down = moveButton(index, 1, `Move scene ${number} down`, 'Move down', index === draft.length - 1);
      return el('li', { class: 'scene-edit', 'data-scene-id': scene.id },
        el('div', { class: 'scene-edit-head' },
          el('label', { for: textId, text: `Scene ${number}` }),
          el('div', { class: 'scene-edit-moves' }, up, down)),
        text);
    }));
    if (focus) list.children[focus.index]?.querySelector(`[data-move="${focus.step}"]`)?.focus();
  }

  // aria-disabled rather than disabled at the ends, so the focus stays on a button that just moved its scene there.
  function moveButton(index, step, name, label, atEnd) {
    return el('button', { type: 'button', class: 'button', 'data-move': step, 'aria-label': name, 'aria-disabled': atEnd ? 'true' : null,
      onclick: () => {
        if (atEnd) return;
        const [scene] = draft.splice(index, 1);
        draft.splice(index + step, 0, scene);
        render({ index: index + step, step });
        status.textContent = `Scene ${index + 1} is now scene ${index + step + 1}.`;
      } }, label);
  }

  async function submit(event) {
    event.preventDefault();
    if (saving) return;
    const empty = draft.findIndex((s) => !s.text.trim());
    if (empty >= 0) {
      showError(errorBox, new ApiError(400, `Scene ${empty + 1} needs some text.`, ''));
      list.children[empty].querySelector('textarea').focus();
      return;
    }
    saving = true;
    save.setAttribute('aria-disabled', 'true');
    showError(errorBox, null);
    try {
      onSaved(await api.put(`/api/stories/${story.id}/scenes`, { scenes: draft.map(({ id, text }) => ({ id, text })) }));
    } catch (error) {
      showError(errorBox, error instanceof ApiError && error.status === 409 ? new ApiError(409, busyMessage, '') : error);
    } finally {
      saving = false;
      save.removeAttribute('aria-disabled');
    }
  }

  render();
  const element = el('form', { class: 'scene-editor-form', 'data-role': 'scene-editor', novalidate: true, onsubmit: submit },
    errorBox, list, status, el('div', { class: 'editor-actions' }, cancel, save));
  return { element, focus: () => list.querySelector('textarea')?.focus() };
}
