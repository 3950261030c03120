// Image jobs on the story page: the form's style and instructions, progress as scenes done, the scene list's marks for
// the scenes a running job has finished (their images appear together when it completes), and on each scene what only
// images have: Regenerate (this scene, or the selected ones), how its image was made, and Regenerate with the same seed.
import { el } from '../dom.js';
import { duration, plural, when } from '../format.js';

// The scenes each job makes (GET /api/image_jobs/{id}/scenes), once read: a job's scenes never change.
const plans = new Map();

function planOf(api, job) {
  if (!plans.has(job.id)) {
    plans.set(job.id, api.get(`/api/image_jobs/${job.id}/scenes`).then((plan) => {
      plans.set(job.id, plan);
      return plan;
    }, (error) => {
      plans.delete(job.id);
      throw error;
    }));
  }
  return Promise.resolve(plans.get(job.id));
}

// The scenes a job makes, as far as the page knows now: the whole story until its plan is read.
function plannedScenes(job, story) {
  const plan = plans.get(job.id);
  return plan && !(plan instanceof Promise) && !plan.whole_story ? plan.scenes.map((s) => s.scene_id) : story.scenes.map((s) => s.id);
}

function scenesDone(job, story) {
  const total = plannedScenes(job, story).length;
  // The service reports whole percents rounded down; this recovers the scene count exactly up to 100 scenes.
  return { done: Math.min(total, Math.ceil((job.progress * total) / 100)), total };
}

function progressText(job, story) {
  const { done, total } = scenesDone(job, story);
  return `${done} of ${total} ${total === 1 ? 'scene' : 'scenes'} done`;
}

function scopeText(plan) {
  if (plan.whole_story || plan.scenes.length === 0) return 'All scenes';
  const positions = plan.scenes.map((s) => s.position);
  return `${positions.length === 1 ? 'Scene' : 'Scenes'} ${positions.join(', ')}`;
}

function provenance(made, scene, start) {
  const facts = [
    ['Provider', made.provider],
    ['Model', made.model ?? 'not reported'],
    ['Size', made.size],
    ['Seed', made.seed ?? 'none (the provider takes no seed)'],
    ['Request id', made.request_id ?? 'none returned'],
    ['Took', `${duration(made.duration_ms)} · ${plural(made.attempts, 'attempt')}`],
    ['Made', when(made.made_at)],
    // An earlier attempt's call for this scene may have been billed too (docs/providers.md).
    ...(made.billing_note ? [['Billing', made.billing_note]] : []),
  ];
  const sameSeed = made.seed === null ? null
    : el('button', { type: 'button', class: 'button subtle', 'data-role': 'regenerate-same-seed',
      onclick: (event) => start({ scene_ids: [scene.id], same_seed: true }, event.currentTarget) }, 'Regenerate with the same seed');
  return el('details', { class: 'provenance', 'data-role': 'provenance' },
    el('summary', { text: 'How this image was made' }),
    el('dl', { class: 'facts' }, ...facts.map(([name, value]) => el('div', {}, el('dt', { text: name }), el('dd', { 'data-fact': name, text: String(value) })))),
    el('p', { class: 'provenance-prompt' }, el('strong', { text: 'Prompt: ' }), el('span', { 'data-fact': 'Prompt', text: made.prompt })),
    sameSeed);
}

export default {
  title: 'Images',
  startLabel: 'Generate Images',
  runningLabel: 'Generating images',
  busyTitle: 'Images are being generated for this story.',
  fields: [
    { name: 'style', label: 'Style', list: 'style-suggestions', maxLength: 100, initial: (story) => story.style,
      hint: 'Starts as the story’s style; change it for this run only.' },
    { name: 'instructions', label: 'Instructions', multiline: true, maxLength: 2000,
      placeholder: 'e.g. soft morning light, the fox wears a red scarf' },
  ],
  progressText,
  dialogProgress: (job, story) => `${job.progress} % · ${progressText(job, story)}`,
  describeJob: async (job, api) => scopeText(await planOf(api, job)),
  attach({ story, scenes, api, start }) {
    const selected = new Set();
    const regenerateSelected = el('button', { type: 'button', class: 'button wide', 'data-role': 'regenerate-selected', hidden: true,
      onclick: (event) => start({ scene_ids: [...selected] }, event.currentTarget) });

    function renderSelection() {
      regenerateSelected.hidden = selected.size === 0;
      regenerateSelected.textContent = `Regenerate ${plural(selected.size, 'selected scene')}`;
    }

    // The scene list is drawn again whenever the story is read again: each scene gets its controls anew.
    function decorate(current) {
      const byId = new Map(current.scenes.map((s) => [s.id, s]));
      for (const id of [...selected]) if (!byId.has(id)) selected.delete(id);
      for (const item of scenes.children) {
        const scene = byId.get(item.dataset.sceneId);
        const caption = item.querySelector('figcaption');
        if (!scene || !caption || caption.querySelector('.scene-actions')) continue;
        const label = `Scene ${scene.position}`;
        const pick = el('input', { type: 'checkbox', 'data-role': 'select-scene', 'aria-label': `Select ${label.toLowerCase()}`,
          onchange: (event) => {
            if (event.currentTarget.checked) selected.add(scene.id); else selected.delete(scene.id);
            renderSelection();
          } });
        pick.checked = selected.has(scene.id);
        caption.append(
          el('div', { class: 'scene-actions' },
            el('label', { class: 'select-scene' }, pick, el('span', { text: 'Select' })),
            el('button', { type: 'button', class: 'button subtle', 'data-role': 'regenerate-scene', 'aria-label': `Regenerate ${label.toLowerCase()}`,
              onclick: (event) => start({ scene_ids: [scene.id] }, event.currentTarget) }, 'Regenerate')),
          scene.image_provenance ? provenance(scene.image_provenance, scene, start) : null);
      }
      renderSelection();
    }

    decorate(story);
    return {
      content: [regenerateSelected],
      update: decorate,
      onProgress(job, current) {
        const running = job.status === 'processing';
        if (running && !plans.has(job.id)) planOf(api, job).then(() => this.onProgress(job, current), () => {});
        const planned = new Set(plannedScenes(job, current));
        const order = current.scenes.filter((s) => planned.has(s.id));
        const { done } = running ? scenesDone(job, current) : { done: -1 };
        for (const item of scenes.children) {
          const index = order.findIndex((s) => s.id === item.dataset.sceneId);
          item.dataset.state = done < 0 || index < 0 ? '' : index < done ? 'rendered' : index === done ? 'rendering' : 'waiting';
        }
      },
    };
  },
};
