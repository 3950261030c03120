// The kinds of job the service runs, in its order (GET /api/job_kinds): the routes come from the service, the wording,
// form fields and story-view hooks from each kind's own page module (js/kinds/). No kind is named here; a kind without a
// module gets these defaults.
const defaults = (kind) => ({
  title: kind.activity,
  startLabel: `Start ${kind.activity.toLowerCase()}`,
  runningLabel: `${kind.activity} running`,
  fields: [],
  progressText: (job) => `${job.progress} %`,
  dialogProgress: (job) => `${job.progress} %`,
  // Said on another kind's panel when a job of this kind makes that kind's start wait.
  busyTitle: `${kind.activity} is in progress for this story.`,
  // Said on this kind's panel when another kind's job makes it wait.
  blockedDetail: (job) => `Start it when that job (at ${job.progress} %) is done.`,
});

let loading = null;

export function loadKinds(api) {
  loading ??= api.get('/api/job_kinds').then((listed) => Promise.all(listed.map(async (kind) => {
    const own = kind.page_module ? (await import(kind.page_module)).default : {};
    return {
      ...defaults(kind),
      ...own,
      key: kind.name,
      activity: kind.activity,
      routes: { generate: kind.routes.generate, clear: kind.routes.clear, jobs: kind.routes.collection },
    };
  })));
  // A failed load (signed out, offline) is tried again by the next story view.
  loading.catch(() => { loading = null; });
  return loading;
}
