// The kinds of generation job a story has. Each names its routes and wording; job-panel.js does the rest,
// so each kind is one entry here and one panel on the story page.

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
  dialogProgress(job, story) {
    return `${job.progress} % · ${this.progressText(job, story)}`;
  },
  scenesDone,
};

function listed(positions) {
  return positions.length === 1 ? `${positions[0]}` : `${positions.slice(0, -1).join(', ')} and ${positions.at(-1)}`;
}

export const videoJobs = {
  key: 'video',
  title: 'Video',
  activity: 'Video generation',
  startLabel: 'Generate Video',
  runningLabel: 'Generating video',
  routes: { generate: '/api/generate_video', clear: '/api/clear_video_job', jobs: '/api/video_jobs' },
  fields: [],
  // ffmpeg reports how much of the video's length is rendered, not scenes.
  progressText: (job) => `${job.progress} % of the video rendered`,
  dialogProgress: (job) => `${job.progress} %`,
  // Every percent is an event; a screen reader hears only each quarter.
  milestone: (job) => `${Math.floor(job.progress / 25) * 25} % of the video rendered`,
  // The refusals a writer can act on, in the page's words rather than the API's routes.
  refusal(problem) {
    if (problem?.image_job) {
      return { title: 'Images are being generated for this story.',
        detail: `The video is made from the scenes’ images; start it when that job (at ${problem.image_job.progress} %) is done.` };
    }
    const missing = problem?.scenes_without_image;
    if (Array.isArray(missing) && missing.length > 0) {
      return { title: 'Some scenes have no image yet.',
        detail: `${missing.length === 1 ? 'Scene' : 'Scenes'} ${listed(missing)} ${missing.length === 1 ? 'has' : 'have'} no image. ` +
          'Use Generate Images above first; the video shows every scene’s image.' };
    }
    return null;
  },
};
