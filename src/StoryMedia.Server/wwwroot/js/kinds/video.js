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
    // A video has sound only when every scene has narration of its current text when it starts.
    const sound = el('p', { class: 'hint', 'data-role': 'video-sound' });
    function update(s) {
      const silent = s.scenes_to_narrate ?? [];
      sound.textContent = silent.length === 0
        ? 'The video will have sound: every scene is narrated.'
        : `The video will be silent: ${silent.length === 1 ? 'scene' : 'scenes'} ${listed(silent)} ${silent.length === 1 ? 'has' : 'have'} no narration of ${silent.length === 1 ? 'its' : 'their'} current text.`;
      show(figure, Boolean(s.video_url));
      if (s.video_url && player.getAttribute('src') !== s.video_url) {
        player.replaceChildren();
        if (s.subtitles_url) player.append(el('track', { kind: 'subtitles', src: s.subtitles_url, srclang: 'en', label: 'English', default: true }));
        player.src = s.video_url;
      }
    }
    update(story);
    return { content: [sound, figure], update };
  },
};
