// The page: sign-in, then the story list (#/) or one story (#/stories/{id}).
import { createAccountDialog } from './account-dialog.js';
import { ApiError, createApi } from './api.js';
import { el, show, showError } from './dom.js';
import { createSession } from './session.js';
import { renderStoryList } from './story-list.js';
import { renderStory } from './story-view.js';

const view = document.getElementById('view');
const notice = document.getElementById('notice');
const account = document.getElementById('account');
const accountName = document.getElementById('account-name');
let disposeView = () => {};
let signedOutReason = null;
let generation = 0; // a newer route() supersedes one still waiting for the API

const session = createSession(({ signedIn, reason }) => {
  signedOutReason = signedIn ? null : reason;
  route();
}, createAccountDialog());
const api = createApi(session);

function showNotice(error) {
  showError(notice, error);
}

async function renderSignIn() {
  const heading = el('h1', { id: 'signin-title', tabindex: '-1', text: 'Sign in to StoryMedia' });
  const hostHint = el('p', { class: 'hint', 'data-role': 'host-hint' });
  const devButton = el('button', { type: 'button', class: 'button primary', hidden: true }, 'Continue as development user');
  devButton.addEventListener('click', async () => {
    devButton.setAttribute('aria-disabled', 'true');
    try {
      await session.signInForDevelopment(api);
    } catch (error) {
      showNotice(error);
      devButton.removeAttribute('aria-disabled');
    }
  });
  view.replaceChildren(el('section', { class: 'panel narrow signin', 'aria-labelledby': 'signin-title' },
    heading,
    el('p', { text: 'StoryMedia uses the account of the app you write in. Open it from there and you are signed in.' }),
    devButton,
    hostHint));
  heading.focus();
  const origins = await hostOrigins;
  hostHint.textContent = origins.length
    ? `Host apps pass their Supabase session in the address (#access_token=…) or, from ${origins.join(', ')}, by postMessage; see docs/web-page.md.`
    : 'Host apps pass their Supabase session in the address (#access_token=…); sign-in by postMessage is off on this server (docs/web-page.md says how to turn it on).';
  if (await session.developmentSignInAvailable()) show(devButton, true);
}

async function route() {
  const mine = ++generation;
  disposeView();
  disposeView = () => {};
  showNotice(signedOutReason ? new ApiError(401, signedOutReason, '') : null);
  show(account, Boolean(session.token()));
  if (!session.token()) {
    await renderSignIn();
    return;
  }
  accountName.textContent = session.userLabel();
  const match = /^#\/stories\/([^/?#]+)$/.exec(location.hash);
  // Each view renders off-page and replaces the current one only if no newer navigation happened meanwhile.
  const next = el('div');
  view.setAttribute('aria-busy', 'true');
  try {
    const dispose = match
      ? await renderStory(next, api, decodeURIComponent(match[1]))
      : await renderStoryList(next, api, { onError: showNotice });
    if (mine !== generation) {
      dispose();
      return;
    }
    disposeView = dispose;
  } catch (error) {
    if (mine !== generation || !session.token()) return; // superseded, or the session ended and sign-in is up
    showNotice(error);
    next.replaceChildren(el('section', { class: 'panel narrow' },
      el('h1', { tabindex: '-1', text: match ? 'This story cannot be shown' : 'Your stories cannot be shown' }),
      el('p', {}, el('a', { href: '#/', text: 'Back to your stories' }))));
  } finally {
    if (mine === generation) view.removeAttribute('aria-busy');
  }
  view.replaceChildren(...next.childNodes);
  view.querySelector('h1')?.focus();
}

document.getElementById('sign-out').addEventListener('click', () => session.signOut());
// A token in the address is offered only after the kept session is back, so the writer sees both accounts.
function takeTokenFromAddress(then) {
  const handed = session.tokenFromAddress();
  then();
  if (handed !== null) session.offer(handed, null);
}

window.addEventListener('hashchange', () => takeTokenFromAddress(route));
const hostOrigins = session.listenToHost();
takeTokenFromAddress(() => {
  if (!session.restore()) route();
});
