/**
 * The service worker: keeps the app shell (the page and every built file,
 * listed at build time by vite.config.ts) in a cache named after the build,
 * so the playground opens and predicts with the server stopped. The page is
 * network-first (a new build shows at once when online), hashed assets
 * cache-first, and model files (`/v1/artifacts/<sha256>`, immutable) come
 * from the model cache the playground fills. Everything else (the API) goes
 * to the network untouched.
 * @module
 */

// The few service-worker types used here (the DOM and WebWorker libs cannot both be loaded).
interface SwEvent extends Event {
  waitUntil(p: Promise<unknown>): void;
}
interface SwFetchEvent extends SwEvent {
  readonly request: Request;
  respondWith(r: Promise<Response>): void;
}
interface SwScope {
  readonly location: Location;
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', fn: (e: SwEvent) => void): void;
  addEventListener(type: 'fetch', fn: (e: SwFetchEvent) => void): void;
}
const sw = self as unknown as SwScope;

// Both replaced at build time (vite.config.ts, precacheManifest).
const PRECACHE = '__SENTIO_PRECACHE__' as unknown as string[];
const BUILD = '__SENTIO_BUILD__';
const SHELL = `sentio-shell-${BUILD}`;
const MODELS = 'sentio-models-v1';

sw.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      await cache.addAll(PRECACHE);
      await sw.skipWaiting();
    })(),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const k of await caches.keys()) {
        if (k.startsWith('sentio-shell-') && k !== SHELL) await caches.delete(k);
      }
      await sw.clients.claim();
    })(),
  );
});

async function networkFirst(req: Request): Promise<Response> {
  const cache = await caches.open(SHELL);
  try {
    const res = await fetch(req);
    if (res.ok) await cache.put('/', res.clone());
    return res;
  } catch {
    return (await cache.match('/')) ?? Response.error();
  }
}

async function cacheFirst(req: Request, name: string): Promise<Response> {
  const cache = await caches.open(name);
  const hit = await cache.match(req.url);
  if (hit !== undefined) return hit;
  const res = await fetch(req);
  if (res.ok && name === SHELL) await cache.put(req.url, res.clone());
  return res;
}

sw.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== sw.location.origin) return;
  if (req.mode === 'navigate' || url.pathname === '/') event.respondWith(networkFirst(req));
  else if (url.pathname.startsWith('/assets/') || PRECACHE.includes(url.pathname))
    event.respondWith(cacheFirst(req, SHELL));
  else if (url.pathname.startsWith('/v1/artifacts/')) event.respondWith(cacheFirst(req, MODELS));
});
