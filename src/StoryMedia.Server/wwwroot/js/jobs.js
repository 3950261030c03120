// The kinds of generation job a story has. Each names its routes and wording; job-panel.js does the rest,
// so another kind (video) is one more entry here and one more panel on the story page.

function scenesDone(job, story) {
  const total = story.scenes.length;
  // The service reports whole percents rounded down; this recovers the scene count exactly up to 100 scenes.
  return { done: Math.min(total, Math.ceil((job.progress * total) / 100)), total };
}

export const imageJobs = {
  key: 'image',
  title: 'Images',
  activity: 'Image generation',
  startLabel: 'Generate Images',
  runningLabel: 'Generating images',
  routes: { generate: '/api/generate_images', clear: '/api/clear_image_job', jobs: '/api/image_jobs' },
  fields: [
    { name: 'style', label: 'Style', list: 'style-suggestions', maxLength: 100, initial: (story) => story.style,
      hint: 'Starts as the story’s style; change it for this run only.' },
    { name: 'instructions', label: 'Instructions', multiline: true, maxLength: 2000,
      placeholder: 'e.g. soft morning light, the fox wears a red scarf' },
  ],
  progressText(job, story) {
    const { done, total } = scenesDone(job, story);
    return `${done} of ${total} ${total === 1 ? 'scene' : 'scenes'} done`;
  },
  scenesDone,
};
