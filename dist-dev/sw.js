// kubeplay's service worker: keeps the app shell (index.html and the hashed JS, wasm and CSS
// it links) so the playground loads again with no network. The page itself is fetched
// network-first so a new release is picked up; everything else is served from the cache first
// (asset names carry content hashes, so a cached file never goes stale).
const CACHE = 'kubeplay-v1';

async function precache() {
  const cache = await caches.open(CACHE);
  const base = self.registration.scope;
  const page = await fetch(base, { cache: 'no-cache' });
  if (!page.ok) return;
  const html = await page.clone().text();
  await cache.put(base, page);
  const urls = new Set();
  for (const m of html.matchAll(/(?:href|src)="([^"#]+)"/g)) {
    const url = new URL(m[1], base);
    if (url.origin === self.location.origin) urls.add(url.href);
  }
  await Promise.all([...urls].map(async (url) => {
    try {
      const res = await fetch(url, { cache: 'no-cache' });
      if (res.ok) await cache.put(url, res);
    } catch (_) { /* cached on first use instead */ }
  }));
}

self.addEventListener('install', (event) => {
  event.waitUntil(precache().catch(() => {}).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET' || new URL(req.url).origin !== self.location.origin) return;
  if (req.mode === 'navigate') {
    event.respondWith((async () => {
      const cache = await caches.open(CACHE);
      try {
        const res = await fetch(req);
        if (res.ok) await cache.put(self.registration.scope, res.clone());
        return res;
      } catch (_) {
        return (await cache.match(self.registration.scope)) || Response.error();
      }
    })());
    return;
  }
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const hit = await cache.match(req, { ignoreSearch: true });
    if (hit) return hit;
    const res = await fetch(req);
    if (res.ok) await cache.put(req, res.clone());
    return res;
  })());
});
