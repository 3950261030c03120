// Image jobs on the story page: the form's style and instructions, progress as scenes done, and the scene list's marks
// for the scenes a running job has finished (their images appear together when it completes).

function scenesDone(job, story) {
  const total = story.scenes.length;
  // The service reports whole percents rounded down; this recovers the scene count exactly up to 100 scenes.
  return { done: Math.min(total, Math.ceil((job.progress * total) / 100)), total };
}

function progressText(job, story) {
  const { done, total } = scenesDone(job, story);
  return `${done} of ${total} ${total === 1 ? 'scene' : 'scenes'} done`;
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
  attach({ scenes }) {
    return {
      onProgress(job, story) {
        const { done } = job.status === 'processing' ? scenesDone(job, story) : { done: -1 };
        for (const item of scenes.children) {
          const position = Number(item.dataset.position);
          item.dataset.state = done < 0 ? '' : position <= done ? 'rendered' : position === done + 1 ? 'rendering' : 'waiting';
        }
      },
    };
  },
};
