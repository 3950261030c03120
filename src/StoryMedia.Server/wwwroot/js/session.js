// Who is signed in. StoryMedia has no login form: the host app hands over its Supabase access token
// (see docs/web-page.md), or, in Development, the page asks the service for a development token.

const storageKey = 'storymedia.access_token';
const hostMessageType = 'storymedia:session';

// Browsers deny storage to an embedded page when they block third-party storage; then the token lives in memory only.
const storage = {
  get() {
    try {
      return localStorage.getItem(storageKey);
    } catch {
      return null;
    }
  },
  set(value) {
    try {
      if (value === null) localStorage.removeItem(storageKey);
      else localStorage.setItem(storageKey, value);
    } catch {
      // Memory only, see above.
    }
  },
};

function claimsOf(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(payload.padEnd(Math.ceil(payload.length / 4) * 4, '=')));
  } catch {
    return null;
  }
}

function usable(token) {
  const claims = typeof token === 'string' ? claimsOf(token) : null;
  return claims && typeof claims.sub === 'string' && (!claims.exp || claims.exp * 1000 > Date.now()) ? claims : null;
}

export function createSession(onChange) {
  let token = null;
  let claims = null;

  function accept(candidate) {
    const accepted = usable(candidate);
    if (!accepted) return false;
    token = candidate;
    claims = accepted;
    storage.set(token);
    onChange({ signedIn: true });
    return true;
  }

  function end(reason) {
    token = null;
    claims = null;
    storage.set(null);
    onChange({ signedIn: false, reason });
  }

  return {
    token: () => token,
    userLabel: () => claims?.email ?? (claims?.sub === '00000000-0000-4000-8000-000000000001' ? 'Development user' : `User ${claims?.sub.slice(0, 8)}`),
    signOut: () => end(null),
    expired: () => end('Your session has ended. Sign in again to continue.'),

    // Called once on load: a token in the URL fragment wins, then the one kept from an earlier visit.
    restore() {
      const fragment = new URLSearchParams(location.hash.replace(/^#\/?/, ''));
      const handed = fragment.get('access_token');
      if (handed !== null) {
        // Drop the token from the address bar and the history at once, keeping the story it may point at.
        const story = fragment.get('story_id');
        const route = story ? `#/stories/${encodeURIComponent(story)}` : '#/';
        history.replaceState(null, '', `${location.pathname}${location.search}${route}`);
        if (accept(handed)) return true;
      }
      const kept = storage.get();
      if (kept && accept(kept)) return true;
      if (kept) storage.set(null);
      return false;
    },

    // A host that embeds the page (iframe) or opened it (window.open) posts the token; only those two may.
    listenToHost() {
      window.addEventListener('message', (event) => {
        const fromHost = event.source !== null && (event.source === window.parent || event.source === window.opener) && event.source !== window;
        if (fromHost && event.data?.type === hostMessageType) accept(event.data.access_token);
      });
      for (const host of [window.opener, window.parent !== window ? window.parent : null]) {
        host?.postMessage({ type: 'storymedia:ready' }, '*');
      }
    },

    // The development sign-in route exists only in the Development environment: a GET there answers 405, elsewhere 404.
    async developmentSignInAvailable() {
      const probe = await fetch('/api/dev/token', { method: 'GET' }).catch(() => null);
      return probe?.status === 405;
    },

    async signInForDevelopment(api) {
      const answer = await api.post('/api/dev/token', {});
      if (!accept(answer.access_token)) throw new Error('The development token was not usable.');
    },
  };
}
