// The signed-in user's stories and the form that creates one.
import { el, show } from './dom.js';
import { plural, when } from './format.js';

// A scene is a paragraph: text separated from the next by a blank line.
export function scenesOf(text) {
  return text.split(/\n\s*\n/).map((paragraph) => paragraph.trim()).filter(Boolean);
}

export async function renderStoryList(container, api, { onError }) {
  const first = await api.page('/api/stories');

  const title = el('input', { id: 'new-title', name: 'title', type: 'text', required: true, maxlength: 200, autocomplete: 'off' });
  const style = el('input', { id: 'new-style', name: 'style', type: 'text', maxlength: 100, list: 'style-suggestions',
    placeholder: 'Watercolor', autocomplete: 'off', 'aria-describedby': 'new-style-hint' });
  const text = el('textarea', { id: 'new-scenes', name: 'scenes', rows: 10, required: true, 'aria-describedby': 'new-scenes-hint new-scenes-count',
    placeholder: 'The fox wakes at dawn in the old oak.\n\nShe follows the river to the mill.' });
  const count = el('p', { id: 'new-scenes-count', class: 'hint', 'aria-live': 'polite', text: plural(0, 'scene') });
  const submit = el('button', { type: 'submit', class: 'button primary' }, 'Create story');
  text.addEventListener('input', () => {
    count.textContent = plural(scenesOf(text.value).length, 'scene');
  });

  const form = el('form', { class: 'panel story-form', 'aria-labelledby': 'new-story-title' },
    el('h2', { id: 'new-story-title', text: 'New story' }),
    el('div', { class: 'field' }, el('label', { for: 'new-title', text: 'Title' }), title),
    el('div', { class: 'field' }, el('label', { for: 'new-style', text: 'Style' }), style,
      el('p', { id: 'new-style-hint', class: 'hint', text: 'Pick one or describe your own.' })),
    el('div', { class: 'field' }, el('label', { for: 'new-scenes', text: 'Scenes' }),
      el('p', { id: 'new-scenes-hint', class: 'hint', text: 'One scene per paragraph: leave a blank line between scenes.' }), text, count),
    submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    submit.setAttribute('aria-disabled', 'true');
    try {
      const created = await api.post('/api/stories', {
        title: title.value.trim(),
        style: style.value.trim(),
        scenes: scenesOf(text.value).map((scene) => ({ text: scene })),
      });
      location.hash = `#/stories/${created.id}`;
    } catch (error) {
      onError(error);
    } finally {
      submit.removeAttribute('aria-disabled');
    }
  });

  const list = el('ul', { class: 'story-list', 'aria-labelledby': 'stories-title' }, ...first.items.map(storyItem));
  const empty = el('p', { class: 'muted', text: 'No stories yet. Write your first one under New story.' });
  show(empty, first.items.length === 0);

  // The list comes a page at a time; "More stories" follows the page's next link until there is none.
  let next = first.next;
  const more = el('button', { type: 'button', class: 'button', text: 'More stories' });
  show(more, next !== null);
  more.addEventListener('click', async () => {
    if (more.getAttribute('aria-disabled') === 'true') return;
    more.setAttribute('aria-disabled', 'true');
    try {
      const page = await api.page(next);
      const items = page.items.map(storyItem);
      list.append(...items);
      next = page.next;
      show(more, next !== null);
      // The first new story takes the focus, so a keyboard user carries on where the list grew.
      items[0]?.querySelector('a')?.focus();
    } catch (error) {
      onError(error);
    } finally {
      more.removeAttribute('aria-disabled');
    }
  });

  const heading = el('h1', { id: 'stories-title', tabindex: '-1', text: 'Your stories' });
  container.replaceChildren(
    el('div', { class: 'stories-layout' },
      el('section', { class: 'panel', 'aria-labelledby': 'stories-title' }, heading, empty, list, more),
      form));
  return () => {};
}

function storyItem(story) {
  return el('li', {},
    el('a', { class: 'story-card', href: `#/stories/${story.id}` },
      story.cover_image_url
        ? el('img', { class: 'cover', src: story.cover_image_url, alt: '', width: 768, height: 432 })
        : el('span', { class: 'cover placeholder', 'aria-hidden': 'true' }),
      el('span', { class: 'story-card-body' },
        el('span', { class: 'story-card-title', text: story.title }),
        el('span', { class: 'story-card-meta', text: `${story.style || 'No style'} · ${plural(story.scene_count, 'scene')} · ${when(story.created_at)}` }))));
}
