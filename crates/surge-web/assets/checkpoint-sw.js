// The checkpoint page's service worker: keeps the page, its script, and the trust keys and status list, so an
// officer can check passes with no network. Network first, so online officers always get fresh data.
"use strict";
const CACHE = "surge-checkpoint-v2";
const KEEP = ["/checkpoint", "/assets/checkpoint.js", "/assets/jsQR.js", "/checkpoint/offline.json"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(KEEP)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin || !KEEP.includes(url.pathname)) return;
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        // A redirect (to sign in) is not the page: keep only the real thing.
        if (response.ok && !response.redirected) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
        }
        return response;
      })
      .catch(() => caches.match(url.pathname).then((hit) => hit || Response.error())),
  );
});
