// Shared by the page tests: start `surge serve` on a free port with a fresh data directory, read what it prints
// (address, the admin's one-time password), and launch Debian's Chromium headless.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import readline from 'node:readline';
import { chromium } from 'playwright-core';

// `dir` and `listen` restart a stopped server on the same data and address (a network cut and its end).
export async function startSurge({ dir = mkdtempSync(join(tmpdir(), 'surge-pages-')), listen = '127.0.0.1:0', args = [] } = {}) {
  const surge = process.env.SURGE_BIN;
  assert.ok(surge, 'SURGE_BIN must name the surge binary (cargo xtask test sets it)');
  const server = spawn(surge, ['serve', '--listen', listen, '--data-dir', dir, ...args], {
    env: { ...process.env, RUST_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let adminPassword;
  let adminKey;
  const base = await new Promise((resolve, reject) => {
    readline.createInterface({ input: server.stdout }).on('line', (line) => {
      const password = line.match(/one-time password \(shown once\): (\S+)$/);
      if (password) adminPassword = password[1];
      const key = line.match(/^admin API key \(shown once, keep it safe\): (\S+)$/);
      if (key) adminKey = key[1];
      const match = line.match(/^listening on (http:\/\/\S+)/);
      if (match) resolve(match[1]);
    });
    server.on('exit', (code) => reject(new Error(`surge serve exited with ${code}`)));
  });
  const exited = new Promise((resolve) => server.on('exit', resolve));
  const stop = async () => {
    server.kill('SIGTERM');
    await exited;
  };
  return { base, dir, adminPassword, adminKey, stop };
}

export function launchBrowser(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
      '--no-first-run', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

// The text messages the log gateway wrote, newest last.
export function sentMessages(dir) {
  const file = join(dir, 'sms.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

// Waits until a text message matching `predicate` has been sent (the sender works in the background); returns it.
export async function waitForMessage(dir, predicate, what = 'the expected text message') {
  for (let i = 0; i < 100; i += 1) {
    const found = sentMessages(dir).find(predicate);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} was not sent`);
}

// Waits for the newest sign-in code sent to `phone` (E.164) and returns its six digits.
export async function signInCode(dir, phone, after = 0) {
  for (let i = 0; i < 100; i += 1) {
    const codes = sentMessages(dir).filter((m) => m.to === phone && /sign-in code|로그인 코드/.test(m.body));
    if (codes.length > after) return codes[codes.length - 1].body.match(/\b(\d{6})\b/)[1];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no sign-in code reached ${phone}`);
}

export async function fill(page, values) {
  for (const [label, value] of Object.entries(values)) {
    const field = page.getByLabel(label, { exact: true });
    if ((await field.evaluate((el) => el.tagName)) === 'SELECT') await field.selectOption(value);
    else await field.fill(value);
  }
}

// Calls the JSON API and returns the parsed answer; fails the test on an unexpected status.
export async function api(base, method, path, { key, body, csv, expect = [200, 201, 202] } = {}) {
  const headers = {};
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (csv !== undefined) headers['Content-Type'] = 'text/csv';
  const response = await fetch(`${base}${path}`, {
    method, headers, body: body !== undefined ? JSON.stringify(body) : csv,
  });
  const text = await response.text();
  assert.ok(expect.includes(response.status), `${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// Signs a citizen in with the code texted to them; returns the page, left on the page sign-in leads to.
export async function signInByPhone(surge, context, typed, e164, next = '') {
  const page = await context.newPage();
  const before = sentMessages(surge.dir).filter((m) => m.to === e164 && /sign-in code|로그인 코드/.test(m.body)).length;
  await page.goto(`${surge.base}/login${next}`);
  await fill(page, { 'Mobile phone number': typed });
  await page.getByRole('button', { name: 'Send the code' }).click();
  assert.equal((await page.locator('h1').textContent()).trim(), 'Check your phone');
  const code = await signInCode(surge.dir, e164, before);
  await fill(page, { 'Text message code': code });
  await page.getByRole('button', { name: 'Continue' }).click();
  return page;
}

// Makes a staff account through the API and signs it in, replacing its one-time password; returns the page.
export async function staffPage(surge, context, account) {
  const { password } = await api(surge.base, 'POST', '/api/accounts', { key: surge.adminKey, body: account });
  const page = await context.newPage();
  await page.goto(`${surge.base}/login/staff`);
  await fill(page, { Username: account.username, Password: password });
  await page.getByRole('button', { name: 'Sign in' }).click();
  const chosen = `${account.username} chose this password`;
  await fill(page, { 'Current password': password, 'New password': chosen, 'Type the new password again': chosen });
  await page.getByRole('button', { name: 'Change password' }).click();
  return page;
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// Words a Korean page may show: the product's and standards' names, and units. Codes (KR-26, PCR, QR, KST) have
// no small letters and are not words to the scan.
const ALLOWED = new Set(['Surge', 'English', 'CertLogic', 'Orthanc']);

// The English words in the page's text, outside the allowed ones, inputs and anything marked lang="en".
export async function englishWords(page) {
  const text = await page.evaluate(() => {
    const skip = (el) => el.closest('[lang="en"], code, textarea, script, style, noscript, [aria-hidden="true"]');
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const parts = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!skip(node.parentElement)) parts.push(node.textContent);
    }
    for (const el of document.querySelectorAll('[placeholder], [title], [aria-label], img[alt]')) {
      if (skip(el)) continue;
      for (const attr of ['placeholder', 'title', 'aria-label', 'alt']) if (el.getAttribute(attr)) parts.push(el.getAttribute(attr));
    }
    return parts.join(' ');
  });
  const words = text
    .replace(/https?:\/\/\S+|\S+@\S+/g, ' ')
    .match(/[A-Za-z][A-Za-z'’]*[a-z][A-Za-z'’]*/g) ?? [];
  return [...new Set(words.filter((w) => !ALLOWED.has(w)))];
}

export async function axeViolations(page) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  return result.violations.map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

// A date `daysFromNow` days from now as the service's authority sees it (Asia/Seoul, its default time zone), in
// YYYY-MM-DD: from 15:00 UTC Korea is already on the next day, and a UTC date would be yesterday there.
export function localDate(daysFromNow) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul', year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date(Date.now() + daysFromNow * 86400000));
}
