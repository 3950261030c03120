// Image jobs on the story page: the form's style and instructions, progress as scenes done, each scene's new image as a
// preview marked "not yet published" as soon as a running job has made it (the story's own images change together when
// it completes; a cleared or failed job's previews go), and on each scene what only images have: Regenerate (this scene,
// or the selected ones), how its image was made, and Regenerate with the same seed.
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
          ...(scene.image_provenance ? [provenance(scene.image_provenance, scene, start)] : []));
      }
      renderSelection();
    }

    // The previews of the running job the panel shows: scene id → { url, src }. The service serves a preview to the
    // job's owner alone, so it is fetched with the token and shown from an object URL (src stays null while it loads).
    const previews = new Map();
    let previewJob = null; // { id, running } of the job the previews are of

    function dropPreviews() {
      for (const preview of previews.values()) if (preview.src) URL.revokeObjectURL(preview.src);
      previews.clear();
      previewJob = null;
    }

    // Shows each loaded preview in its scene's frame in place of the published picture, and the picture again without one.
    function renderPreviews() {
      for (const item of scenes.children) {
        const frame = item.querySelector('.frame');
        if (!frame) continue;
        const src = previews.get(item.dataset.sceneId)?.src;
        let image = frame.querySelector('img[data-role=preview]');
        if (src && !image) {
          image = el('img', { 'data-role': 'preview', width: 768, height: 432, decoding: 'async',
            alt: `New image for scene ${item.dataset.position}, not yet published` });
          frame.prepend(image);
        }
        if (src && image.getAttribute('src') !== src) image.src = src;
        if (!src) image?.remove();
        for (const picture of frame.querySelectorAll(':scope > :not([data-role=preview]):not(.scene-state)')) picture.hidden = Boolean(src);
      }
    }

    function takePreviews(job) {
      const running = job.status === 'processing';
      if (previewJob?.id !== job.id) dropPreviews();
      // A completed job's previews stay until the story read again shows its published images (see decorate).
      if (job.status === 'failed') dropPreviews();
      else previewJob = { id: job.id, running };
      for (const { scene_id: sceneId, url } of running ? job.previews ?? [] : []) {
        if (previews.get(sceneId)?.url === url) continue;
        const preview = { url, src: null };
        previews.set(sceneId, preview);
        api.objectUrl(url).then((src) => {
          if (previews.get(sceneId) !== preview) {
            URL.revokeObjectURL(src);
            return;
          }
          preview.src = src;
          renderPreviews();
        }, () => {
          // Gone: the job ended meanwhile, and its next event says how.
          if (previews.get(sceneId) === preview) previews.delete(sceneId);
        });
      }
      renderPreviews();
    }

    decorate(story);
    return {
      content: [regenerateSelected],
      update(current) {
        if (previewJob && !previewJob.running) dropPreviews();
        decorate(current);
        renderPreviews();
      },
      onProgress(job, current) {
        const running = job.status === 'processing';
        if (running && !plans.has(job.id)) planOf(api, job).then(() => this.onProgress(job, current), () => {});
        takePreviews(job);
        const planned = new Set(plannedScenes(job, current));
        const order = current.scenes.filter((s) => planned.has(s.id));
        // The scenes made so far are those with a preview; the service reports them in every view of a running job.
        const made = new Set((job.previews ?? []).map((p) => p.scene_id));
        const next = order.findIndex((s) => !made.has(s.id));
        for (const item of scenes.children) {
          const index = order.findIndex((s) => s.id === item.dataset.sceneId);
          item.dataset.state = !running || index < 0 ? '' : made.has(item.dataset.sceneId) ? 'rendered' : index === next ? 'rendering' : 'waiting';
        }
      },
      dispose: dropPreviews,
    };
  },
};
