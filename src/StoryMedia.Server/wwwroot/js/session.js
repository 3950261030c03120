// Who is signed in. StoryMedia has no login form: the host app hands over its Supabase access token, which the
// writer confirms (see docs/web-page.md), or, in Development, the page asks the service for a development token.

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

const developmentUser = '00000000-0000-4000-8000-000000000001';

// Whose account a token is, as the confirmation shows it.
function accountOf(claims) {
  return { userId: claims.sub, email: typeof claims.email === 'string' ? claims.email : null };
}

// confirmAccount({ offered, current, from }) asks the writer and resolves to true when they continue.
export function createSession(onChange, confirmAccount) {
  let token = null;
  let claims = null;
  let hostOrigins = [];
  let offers = 0; // a newer offer supersedes one still waiting for the writer

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

  // A token handed over by a link or a host app signs in only once the writer has seen whose it is and continued,
  // so a stranger's link or page cannot make them work in the stranger's account. The signed-in user's own newer
  // token (a host refreshing it) is taken quietly.
  async function offer(candidate, from) {
    const offered = usable(candidate);
    if (!offered) return;
    if (claims && offered.sub === claims.sub) {
      accept(candidate);
      return;
    }
    const mine = ++offers;
    const agreed = await confirmAccount({ offered: accountOf(offered), current: claims ? accountOf(claims) : null, from });
    if (agreed && mine === offers) accept(candidate);
  }

  return {
    token: () => token,
    userLabel: () => claims?.email ?? (claims?.sub === developmentUser ? 'Development user' : `User ${claims?.sub.slice(0, 8)}`),
    signOut: () => end(null),
    expired: () => end('Your session has ended. Sign in again to continue.'),

    // Called once on load: the token kept from an earlier visit, which this writer already accepted.
    restore() {
      const kept = storage.get();
      if (kept && accept(kept)) return true;
      if (kept) storage.set(null);
      return false;
    },

    // On load and on every change of the address: a token in the fragment leaves the address bar and the history
    // at once, keeping the story it may point at; the caller then offers it.
    tokenFromAddress() {
      const fragment = new URLSearchParams(location.hash.replace(/^#\/?/, ''));
      const handed = fragment.get('access_token');
      if (handed === null) return null;
      const story = fragment.get('story_id');
      const route = story ? `#/stories/${encodeURIComponent(story)}` : '#/';
      history.replaceState(null, '', `${location.pathname}${location.search}${route}`);
      return handed;
    },

    // A token from a link (from = null) or a host app (from = its origin), shown to the writer before it signs in.
    offer,

    // A host app that embeds the page (iframe) or opened it (window.open) may post a token, but only from an
    // origin the server lists in Security:HostOrigins; none listed, and sign-in by message is off.
    async listenToHost() {
      const hosts = [window.opener, window.parent !== window ? window.parent : null].filter(Boolean);
      window.addEventListener('message', (event) => {
        const fromHost = event.source !== null && hosts.includes(event.source) && hostOrigins.includes(event.origin);
        if (fromHost && event.data?.type === hostMessageType) offer(event.data.access_token, event.origin);
      });
      const answer = await fetch('/api/page_config', { headers: { Accept: 'application/json' } }).catch(() => null);
      const config = answer?.ok ? await answer.json().catch(() => null) : null;
      hostOrigins = Array.isArray(config?.host_origins) ? config.host_origins.filter((o) => typeof o === 'string') : [];
      // Named origins only, never '*': the browser delivers "ready" only if the host really is one of them.
      for (const host of hosts) {
        for (const origin of hostOrigins) host.postMessage({ type: 'storymedia:ready' }, origin);
      }
      return hostOrigins;
    },

    // The development sign-in route exists only in the Development environment: a GET there answers 405, elsewhere 404.
    async developmentSignInAvailable() {
      const probe = await fetch('/api/dev/token', { method: 'GET' }).catch(() => null);
      return probe?.status === 405;
    },

    // The writer clicked for it, so it signs in at once.
    async signInForDevelopment(api) {
      const answer = await api.post('/api/dev/token', {});
      if (!accept(answer.access_token)) throw new Error('The development token was not usable.');
    },
  };
}
