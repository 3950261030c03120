// Video jobs on the story page: progress as the share of the video rendered, the refusals in the page's words, and the
// story's player, which changes only when a video job completes.
import { el, show } from '../dom.js';

function listed(positions) {
  return positions.length === 1 ? `${positions[0]}` : `${positions.slice(0, -1).join(', ')} and ${positions.at(-1)}`;
}

export default {
  title: 'Video',
  startLabel: 'Generate Video',
  runningLabel: 'Generating video',
  busyTitle: 'A video is being made for this story.',
  // ffmpeg reports how much of the video's length is rendered, not scenes.
  progressText: (job) => `${job.progress} % of the video rendered`,
  dialogProgress: (job) => `${job.progress} %`,
  // Every percent is an event; a screen reader hears only each quarter.
  milestone: (job) => `${Math.floor(job.progress / 25) * 25} % of the video rendered`,
  blockedDetail: (job) => `The video is made from the scenes’ images; start it when that job (at ${job.progress} %) is done.`,
  refusal(problem) {
    const missing = problem?.scenes_without_image;
    if (Array.isArray(missing) && missing.length > 0) {
      return { title: 'Some scenes have no image yet.',
        detail: `${missing.length === 1 ? 'Scene' : 'Scenes'} ${listed(missing)} ${missing.length === 1 ? 'has' : 'have'} no image. ` +
          'Use Generate Images above first; the video shows every scene’s image.' };
    }
    return null;
  },
  attach({ story }) {
    const player = el('video', { controls: true, preload: 'metadata', playsinline: true, width: 768, height: 432,
      'aria-label': `Video of “${story.title}”`, 'data-role': 'player' });
    const figure = el('figure', { class: 'player', hidden: true }, player);
    function update(s) {
      show(figure, Boolean(s.video_url));
      if (s.video_url && player.getAttribute('src') !== s.video_url) player.src = s.video_url;
    }
    update(story);
    return { content: [figure], update };
  },
};
