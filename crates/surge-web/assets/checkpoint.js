// The checkpoint page without a network: verifies EP1 passes in the browser (base45, zlib, COSE_Sign1 with
// WebCrypto Ed25519 or ES256) against the trust keys and status list the service worker keeps, and queues each
// scan to upload when the network returns. With a network the form posts to the server as usual. Codes are read
// from the camera with the browser's BarcodeDetector or, where it has none, the bundled jsQR.
"use strict";
(() => {
  const form = document.getElementById("check-form");
  const banner = document.getElementById("offline-status");
  const result = document.getElementById("offline-result");
  const strings = JSON.parse(document.getElementById("offline-strings").textContent);
  const DATA_URL = "/checkpoint/offline.json";
  const QUEUE = "surge.scan-queue";
  const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
  let data = null;

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/checkpoint-sw.js", { scope: "/checkpoint" }).catch(() => {});
  }

  class Refusal extends Error {
    constructor(code) {
      super(code);
      this.code = code;
    }
  }

  function base45(text) {
    const out = [];
    for (let i = 0; i < text.length; i += 3) {
      const chunk = text.slice(i, i + 3);
      const digits = [...chunk].map((c) => ALPHABET.indexOf(c));
      if (digits.includes(-1) || chunk.length === 1) throw new Refusal("bad_base45");
      let n = digits[0] + digits[1] * 45 + (digits.length === 3 ? digits[2] * 2025 : 0);
      if (digits.length === 3) {
        if (n > 0xffff) throw new Refusal("bad_base45");
        out.push(n >> 8, n & 0xff);
      } else {
        if (n > 0xff) throw new Refusal("bad_base45");
        out.push(n);
      }
    }
    return new Uint8Array(out);
  }

  function isZlib(b) {
    return b.length >= 2 && (b[0] & 0x0f) === 8 && b[0] >> 4 <= 7 && (b[0] * 256 + b[1]) % 31 === 0;
  }

  async function inflate(bytes) {
    try {
      const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
      const out = new Uint8Array(await new Response(stream).arrayBuffer());
      if (out.length > 64 * 1024) throw new Refusal("too_large");
      return out;
    } catch (e) {
      throw e instanceof Refusal ? e : new Refusal("bad_compression");
    }
  }

  // A CBOR reader for what a pass holds: integers, byte and text strings, arrays, maps, tags and simple values.
  function cbor(bytes) {
    let at = 0;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const need = (n) => {
      if (at + n > bytes.length) throw new Refusal("bad_cose");
    };
    function argument(info) {
      if (info < 24) return info;
      const size = { 24: 1, 25: 2, 26: 4, 27: 8 }[info];
      if (!size) throw new Refusal("bad_cose");
      need(size);
      let n;
      if (size === 1) n = view.getUint8(at);
      else if (size === 2) n = view.getUint16(at);
      else if (size === 4) n = view.getUint32(at);
      else n = Number(view.getBigUint64(at));
      at += size;
      return n;
    }
    function item(depth) {
      if (depth > 16) throw new Refusal("bad_cose");
      need(1);
      const first = bytes[at++];
      const major = first >> 5;
      const info = first & 0x1f;
      if (major === 7) {
        if (info === 20) return false;
        if (info === 21) return true;
        if (info === 22) return null;
        throw new Refusal("bad_cose");
      }
      const n = argument(info);
      switch (major) {
        case 0:
          return n;
        case 1:
          return -1 - n;
        case 2:
        case 3: {
          need(n);
          const slice = bytes.subarray(at, at + n);
          at += n;
          return major === 2 ? slice : new TextDecoder("utf-8", { fatal: true }).decode(slice);
        }
        case 4: {
          const list = [];
          for (let i = 0; i < n; i++) list.push(item(depth + 1));
          return list;
        }
        case 5: {
          const map = new Map();
          for (let i = 0; i < n; i++) {
            const key = item(depth + 1);
            map.set(key, item(depth + 1));
          }
          return map;
        }
        case 6:
          return { tag: n, value: item(depth + 1) };
      }
      throw new Refusal("bad_cose");
    }
    const value = item(0);
    if (at !== bytes.length) throw new Refusal("bad_cose");
    return value;
  }

  function head(major, n) {
    if (n < 24) return [(major << 5) | n];
    if (n < 256) return [(major << 5) | 24, n];
    if (n < 65536) return [(major << 5) | 25, n >> 8, n & 0xff];
    return [(major << 5) | 26, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  }

  // Sig_structure (RFC 9052 section 4.4): ["Signature1", protected, h'', payload].
  function toBeSigned(protectedBytes, payload) {
    const label = new TextEncoder().encode("Signature1");
    const parts = [
      [0x84],
      head(3, label.length),
      [...label],
      head(2, protectedBytes.length),
      [...protectedBytes],
      [0x40],
      head(2, payload.length),
      [...payload],
    ];
    return new Uint8Array(parts.flat());
  }

  const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

  async function signatureMatches(key, signature, message) {
    const raw = fromBase64(key.public);
    if (key.alg === -8) {
      const k = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
      return crypto.subtle.verify({ name: "Ed25519" }, k, signature, message);
    }
    if (key.alg === -7) {
      const k = await crypto.subtle.importKey("raw", raw, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
      return crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, k, signature, message);
    }
    return false;
  }

  // A pass zone covers the checkpoint's zone and its sub-zones (KR-26 covers KR-26-110), as on the server.
  function coversZone(zones, zone) {
    return zones.some((z) => zone === z || (zone.startsWith(z) && zone.slice(z.length).startsWith("-")));
  }

  async function verify(text, now, zone) {
    text = text.trim();
    if (!text.startsWith("EP1:")) throw new Refusal(text.startsWith("HC1:") ? "needs_network" : "bad_prefix");
    let bytes = base45(text.slice(4));
    if (isZlib(bytes)) bytes = await inflate(bytes);
    let value = cbor(bytes);
    for (let i = 0; i < 2 && value && value.tag !== undefined; i++) {
      if (value.tag !== 18 && value.tag !== 61) throw new Refusal("bad_cose");
      value = value.value;
    }
    if (!Array.isArray(value) || value.length !== 4 || !(value[0] instanceof Uint8Array)) {
      throw new Refusal("bad_cose");
    }
    const [protectedBytes, unprotected, payload, signature] = value;
    if (!(payload instanceof Uint8Array) || !(signature instanceof Uint8Array)) throw new Refusal("bad_cose");
    const headers = protectedBytes.length ? cbor(protectedBytes) : new Map();
    const kidBytes = (headers instanceof Map && headers.get(4)) || (unprotected instanceof Map && unprotected.get(4));
    if (!(kidBytes instanceof Uint8Array)) throw new Refusal("unknown_kid");
    const candidates = data.keys.filter((k) => k.kid === hex(kidBytes));
    if (candidates.length === 0) throw new Refusal("unknown_kid");
    const message = toBeSigned(protectedBytes, payload);
    let key = null;
    for (const candidate of candidates) {
      if (await signatureMatches(candidate, signature, message)) {
        key = candidate;
        break;
      }
    }
    if (!key) throw new Refusal("bad_signature");
    const claims = cbor(payload);
    const pass = claims instanceof Map ? claims.get(-65537) : null;
    if (!(pass instanceof Map)) throw new Refusal("bad_claims");
    if (pass.get(0) !== 1) throw new Refusal("unsupported_version");
    const [iat, nbf, exp] = [claims.get(6), claims.get(5), claims.get(4)];
    const index = pass.get(11);
    const shown = {
      holder: pass.get(7),
      masked_id: pass.get(8) || "—",
      zones: pass.get(6) || [],
      not_before: nbf,
      expires: exp,
      status_index: index,
    };
    if (iat < key.valid_from || iat > key.valid_until) return { ...shown, reason: "key_not_valid" };
    // Kind 2 is a signed test result: it never lets anyone through a checkpoint.
    if (pass.get(3) !== 0 && pass.get(3) !== 1) return { ...shown, reason: "wrong_kind" };
    const skew = 300;
    if (now + skew < nbf) return { ...shown, reason: "not_yet_valid" };
    if (now - skew >= exp) return { ...shown, reason: "expired" };
    if (zone && !coversZone(shown.zones, zone)) return { ...shown, reason: "wrong_zone" };
    if (claims.get(1) !== data.issuer) return { ...shown, reason: "status_unknown", warning: true };
    if (data.statuses[String(index)]) return { ...shown, reason: "revoked" };
    if (index >= data.status_len) return { ...shown, reason: "status_unknown", warning: true };
    return shown;
  }

  function words(code) {
    return strings.reasons[code] || code;
  }

  // The authority's local time, in the form the server writes it: 2026-12-06 07:04 KST.
  const localParts = new Intl.DateTimeFormat("en-CA", {
    timeZone: strings.time_zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZoneName: "longOffset",
  });

  function parts(seconds) {
    const p = {};
    for (const part of localParts.formatToParts(new Date(seconds * 1000))) p[part.type] = part.value;
    return p;
  }

  function date(seconds) {
    const p = parts(seconds);
    return `${p.year}-${p.month}-${p.day}`;
  }

  function when(seconds) {
    const p = parts(seconds);
    const name = strings.zone_names[p.timeZoneName] || p.timeZoneName.replace("GMT", "UTC");
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} ${name}`;
  }

  // Three verdicts, each in its own colour and words: VALID; NOT VALID with the reason; CANNOT CHECK HERE with
  // what to do, for what this phone cannot decide without the network, so that no valid holder is turned away.
  function show(outcome) {
    result.replaceChildren();
    const valid = !outcome.reason || outcome.warning;
    const cannot = outcome.reason === "needs_network";
    const box = document.createElement("div");
    box.className = "verdict " + (cannot ? "unknown" : valid ? "valid" : "invalid");
    box.setAttribute("role", valid || cannot ? "status" : "alert");
    const big = document.createElement("p");
    big.className = "big";
    big.textContent = cannot ? strings.cannot_check : valid ? strings.valid : strings.invalid;
    box.append(big);
    if (outcome.reason) {
      const why = document.createElement("p");
      why.textContent = words(outcome.reason);
      box.append(why);
    }
    // A check that could not be made is not "checked on this phone".
    if (!cannot) {
      const note = document.createElement("p");
      note.textContent = strings.checked_offline;
      box.append(note);
    }
    result.append(box);
    if (outcome.holder) {
      const list = document.createElement("dl");
      const rows = [
        [strings.holder, outcome.holder],
        [strings.masked_id, outcome.masked_id],
        [strings.zones, outcome.zones.join(", ")],
        [strings.from, date(outcome.not_before)],
        [strings.until, `${date(outcome.expires - 1)} ${strings.end_of_day}`],
      ];
      for (const [label, value] of rows) {
        const dt = document.createElement("dt");
        dt.textContent = label;
        const dd = document.createElement("dd");
        dd.textContent = value;
        list.append(dt, dd);
      }
      result.append(list);
    }
    result.focus();
  }

  function queue() {
    try {
      return JSON.parse(localStorage.getItem(QUEUE) || "[]");
    } catch {
      return [];
    }
  }

  function describeReadiness() {
    const waiting = queue().length;
    let text = strings.ready
      .replace("{keys}", String(data.keys.length))
      .replace("{time}", when(data.generated_at));
    if (waiting) text += " " + strings.queued.replace("{n}", String(waiting));
    banner.textContent = text;
    banner.hidden = false;
  }

  async function upload() {
    const scans = queue();
    if (!scans.length || !navigator.onLine) return;
    const csrf = form.querySelector("input[name=csrf]").value;
    try {
      const response = await fetch("/api/v1/scans", {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json", "x-csrf-token": csrf },
        body: JSON.stringify({ scans }),
      });
      if (response.ok) {
        // Only the scans sent are removed: one queued meanwhile stays.
        const sent = new Set(scans.map((s) => s.id));
        localStorage.setItem(QUEUE, JSON.stringify(queue().filter((s) => !sent.has(s.id))));
        if (data) describeReadiness();
      }
    } catch {
      // Still offline: the next 'online' event tries again.
    }
  }

  async function load() {
    try {
      const response = await fetch(DATA_URL, { credentials: "same-origin" });
      if (!response.ok) return;
      data = await response.json();
      describeReadiness();
    } catch {
      banner.textContent = strings.no_data;
      banner.hidden = false;
    }
  }

  form.addEventListener("submit", async (event) => {
    if (navigator.onLine || !data) return;
    event.preventDefault();
    const typed = form.querySelector("#code").value;
    const select = form.querySelector("#checkpoint");
    const checkpoint = select.value;
    const zone = select.selectedOptions[0]?.dataset.zone || null;
    let outcome;
    try {
      outcome = await verify(typed, Math.floor(Date.now() / 1000), zone);
    } catch (e) {
      if (!(e instanceof Refusal)) console.error(e);
      outcome = { reason: e instanceof Refusal ? e.code : "bad_cose" };
    }
    if (typed.trim() && !typed.trim().startsWith("EP1:") && !typed.trim().startsWith("HC1:")) {
      outcome = { reason: "needs_network" };
    }
    show(outcome);
    if (outcome.reason !== "needs_network") {
      const scans = queue();
      scans.push({
        id: crypto.randomUUID(),
        checkpoint_id: checkpoint ? Number(checkpoint) : null,
        status_index: outcome.status_index ?? null,
        valid: !outcome.reason || !!outcome.warning,
        reason: outcome.warning ? null : outcome.reason || null,
        at: new Date().toISOString(),
      });
      localStorage.setItem(QUEUE, JSON.stringify(scans));
      describeReadiness();
    }
    form.querySelector("#code").value = "";
  });

  // The camera: the browser's BarcodeDetector where it has one, the bundled jsQR otherwise. A code read fills the
  // field and submits the form, so a scan and a typed code go the same way.
  async function qrReader() {
    if ("BarcodeDetector" in window) {
      const formats = await window.BarcodeDetector.getSupportedFormats().catch(() => []);
      if (formats.includes("qr_code")) {
        const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        return async (video) => (await detector.detect(video))[0]?.rawValue;
      }
    }
    if (!window.jsQR) {
      await new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = "/assets/jsQR.js";
        script.onload = resolve;
        script.onerror = reject;
        document.head.append(script);
      });
    }
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    return async (video) => {
      if (!video.videoWidth) return undefined;
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0);
      const image = context.getImageData(0, 0, canvas.width, canvas.height);
      return window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" })?.data;
    };
  }

  function addCamera() {
    if (!navigator.mediaDevices?.getUserMedia) return;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.id = "scan";
    button.textContent = strings.scan;
    const video = document.createElement("video");
    video.setAttribute("playsinline", "");
    video.muted = true;
    video.hidden = true;
    video.style.width = "100%";
    const submit = form.querySelector("button[type=submit]");
    submit.before(button, video);
    let stream = null;
    const stop = () => {
      stream?.getTracks().forEach((track) => track.stop());
      stream = null;
      video.hidden = true;
      button.textContent = strings.scan;
    };
    button.addEventListener("click", async () => {
      if (stream) return stop();
      try {
        const read = await qrReader();
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
        video.srcObject = stream;
        video.hidden = false;
        button.textContent = strings.scan_stop;
        await video.play();
        while (stream) {
          const text = await read(video).catch(() => undefined);
          if (text) {
            stop();
            form.querySelector("#code").value = text;
            form.requestSubmit(submit);
            return;
          }
          await new Promise((r) => setTimeout(r, 150));
        }
      } catch (e) {
        stop();
        banner.textContent = strings.no_camera;
        banner.hidden = false;
      }
    });
  }

  addCamera();
  window.addEventListener("online", upload);
  load().then(upload);
})();
