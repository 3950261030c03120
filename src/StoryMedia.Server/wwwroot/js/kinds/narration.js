// Narration jobs on the story page: the voice, progress as scenes spoken, and a small player on each scene that has
// narration (marked when the scene's text has changed since it was spoken). New narration appears when the job completes.
import { el } from '../dom.js';

function scenesDone(job, story) {
  const total = story.scenes.length;
  return { done: Math.min(total, Math.ceil((job.progress * total) / 100)), total };
}

function progressText(job, story) {
  const { done, total } = scenesDone(job, story);
  return `${done} of ${total} ${total === 1 ? 'scene' : 'scenes'} spoken`;
}

function seconds(value) {
  return `${value.toFixed(1)} s`;
}

export default {
  title: 'Narration',
  startLabel: 'Generate Narration',
  runningLabel: 'Narrating',
  busyTitle: 'The story is being narrated.',
  fields: [
    { name: 'voice', label: 'Voice', maxLength: 64, placeholder: 'slt',
      hint: 'Empty for the service’s voice; the built-in voices are slt, kal, kal16, awb and rms.' },
  ],
  progressText,
  dialogProgress: (job, story) => `${job.progress} % · ${progressText(job, story)}`,
  attach({ story, scenes }) {
    function update(s) {
      for (const item of scenes.children) {
        const scene = s.scenes.find((x) => x.id === item.dataset.sceneId);
        item.querySelector('.narration')?.remove();
        if (!scene?.audio_url) continue;
        const label = `Narration of scene ${scene.position}`;
        const note = scene.narration_out_of_date
          ? el('span', { class: 'narration-note', 'data-role': 'narration-out-of-date', text: 'Spoken before the text was edited: narrate again.' })
          : el('span', { class: 'narration-note', text: seconds(scene.audio_seconds) });
        item.querySelector('figcaption')?.append(el('div', { class: 'narration' },
          el('audio', { controls: true, preload: 'none', src: scene.audio_url, 'aria-label': label, 'data-role': 'narration' }), note));
      }
    }
    update(story);
    return { update };
  },
};
