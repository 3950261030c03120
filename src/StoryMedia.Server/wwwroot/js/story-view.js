// One story: its scenes with their current images, and a panel for each kind of job the service runs (what a kind
// shows beside its panel, such as the video's player, comes from the kind's own module).
import { ApiError } from './api.js';
import { el, show } from './dom.js';
import { plural, when } from './format.js';
import { createJobPanel } from './job-panel.js';
import { loadKinds } from './jobs.js';
import { createSceneEditor } from './scene-editor.js';
import { followStory } from './story-stream.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function renderStory(container, api, storyId) {
  if (!uuid.test(storyId)) {
    throw new ApiError(404, 'Story not found.', `“${storyId}” is not a story id.`);
  }
  const [story, kinds] = await Promise.all([api.get(`/api/stories/${storyId}`), loadKinds(api)]);
  const heading = el('h1', { id: 'story-title', tabindex: '-1', text: story.title });
  const meta = el('p', { class: 'story-meta' });
  const scenes = el('ol', { class: 'scenes', 'aria-label': 'Scenes' });
  let current = story;

  function renderStoryBody(s) {
    meta.replaceChildren(
      el('span', { class: 'chip', text: s.style || 'No style' }),
      el('span', { text: plural(s.scenes.length, 'scene') }),
      el('span', { text: `created ${when(s.created_at)}` }));
    scenes.replaceChildren(...s.scenes.map(sceneItem));
  }

  function showStory(s) {
    current = s;
    renderStoryBody(current);
    for (const panel of panels) panel.update(current);
  }

  async function refresh() {
    try {
      showStory(await api.get(`/api/stories/${storyId}`));
    } catch {
      // Signed out (a 401 ends the session) or offline: the stream's next event or reset reads it again.
    }
  }

  // Editing swaps the scene list for an editor; saving shows the story the server answers.
  const editButton = el('button', { type: 'button', class: 'button', 'data-role': 'edit-scenes', onclick: openEditor }, 'Edit scenes');
  const editorSlot = el('div', { hidden: true });
  function openEditor() {
    const editor = createSceneEditor({ api, story: current, onSaved: (saved) => { showStory(saved); closeEditor(); }, onCancel: closeEditor });
    editorSlot.replaceChildren(editor.element);
    show(editorSlot, true);
    show(scenes, false);
    show(editButton, false);
    editor.focus();
  }
  function closeEditor() {
    editorSlot.replaceChildren();
    show(editorSlot, false);
    show(scenes, true);
    show(editButton, true);
    editButton.focus();
  }

  renderStoryBody(story);
  const panels = kinds.map((kind) => {
    // A kind's own controls on the scenes (such as regenerating one) start its jobs through its panel.
    let panel = null;
    const view = kind.attach?.({ story, scenes, api, start: (extra, opener) => panel?.start(extra, opener) }) ?? {};
    panel = createJobPanel({ kind, kinds, api, story, content: view.content, onProgress: (job) => view.onProgress?.(job, current),
      // The stream's story_changed reads the story again too; this covers a completion learned by reading the job.
      onCompleted: refresh });
    return { ...panel, key: kind.key, update(s) { view.update?.(s); panel.update(s); }, dispose() { panel.dispose(); view.dispose?.(); } };
  });

  // Every change of the story, whoever makes it, in every tab that shows it: each job event goes to its kind's panel;
  // a change of the story's media or scenes (a completed job published them, an edit) reads the story again.
  const stream = followStory({
    api,
    storyId,
    onJob: (type, job) => panels.find((panel) => panel.key === job.kind)?.receive(type, job),
    onStoryChanged: refresh,
    onResync() {
      refresh();
      for (const panel of panels) panel.resync();
    },
  });

  container.replaceChildren(
    el('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, el('a', { href: '#/', text: '← All stories' })),
    el('header', { class: 'story-header' }, heading, meta),
    el('div', { class: 'story-layout' },
      el('div', { class: 'story-main' }, el('div', { class: 'scenes-toolbar' }, editButton), scenes, editorSlot),
      el('aside', { class: 'story-side', 'aria-label': 'Generation' }, ...panels.map((panel) => panel.element))));
  return () => {
    stream.stop();
    for (const panel of panels) panel.dispose();
  };
}

function sceneItem(scene) {
  const label = `Scene ${scene.position}`;
  const picture = scene.image_url
    ? el('img', { src: scene.image_url, alt: `Illustration for scene ${scene.position}`, width: 768, height: 432, decoding: 'async' })
    : el('div', { class: 'placeholder', role: 'img', 'aria-label': `No image yet for scene ${scene.position}` },
        el('span', { class: 'placeholder-text', 'aria-hidden': 'true', text: 'No image yet' }));
  return el('li', { class: 'scene', 'data-position': scene.position, 'data-scene-id': scene.id },
    el('figure', {},
      el('div', { class: 'frame' }, picture, el('span', { class: 'scene-state', 'aria-hidden': 'true' })),
      el('figcaption', {}, el('span', { class: 'scene-number', text: label }), el('p', { class: 'scene-text', text: scene.text }))));
}
