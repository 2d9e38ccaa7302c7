// The live board in headless Chromium: an official opens /live, checkpoints upload scans, and the counts of their
// zone and a "possible copied pass" alert appear on the open page, pushed by the server (server-sent events),
// without a reload. Without JavaScript the same page shows the counts as they were when it loaded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSurge, launchBrowser, api, staffPage } from './support.mjs';

let surge;
let browser;
let busan;
let seoul;

before(async () => {
  surge = await startSurge();
  browser = await launchBrowser();
  const { base, adminKey } = surge;
  busan = await api(base, 'POST', '/api/v1/checkpoints', { key: adminKey, body: { name: 'Haeundae gate', zone: 'KR-26', lat: 35.16, lon: 129.16 } });
  seoul = await api(base, 'POST', '/api/v1/checkpoints', { key: adminKey, body: { name: 'Seoul station', zone: 'KR-11', lat: 37.55, lon: 126.97 } });
});

after(async () => {
  await browser?.close();
  await surge?.stop();
});

function secondsAgo(s) {
  return new Date(Date.now() - s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}

// The "last 15 minutes" count of one place and outcome on the page, or null when it has no row.
async function fifteen(page, scope, measure) {
  const row = page.locator(`#live-counts tr[data-scope="${scope}"][data-measure="${measure}"] td.num`);
  if ((await row.count()) === 0) return null;
  return Number(await row.nth(1).textContent());
}

test('counts and alerts reach an open live board without a reload', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await staffPage(surge, context, { username: 'duty1', role: 'official', zones: ['KR-26'], categories: [] });
  await page.goto(`${surge.base}/live`);
  assert.equal((await page.locator('h1').textContent()).trim(), 'Live activity');
  await page.evaluate(() => { window.liveMarker = 'loaded once'; });

  // Two passes not valid at Haeundae, and pass 7 valid there and then at Seoul station 2 s later: 320 km. The
  // scans are a few seconds old, inside the watermark's 5 s, so they count in their minute rather than as late.
  await api(surge.base, 'POST', '/api/v1/scans', { key: surge.adminKey, body: { scans: [
    { checkpoint_id: busan.id, status_index: null, valid: false, reason: 'bad_signature', at: secondsAgo(3) },
    { checkpoint_id: busan.id, status_index: null, valid: false, reason: 'bad_signature', at: secondsAgo(3) },
    { checkpoint_id: busan.id, status_index: 7, valid: true, reason: null, at: secondsAgo(3) },
    { checkpoint_id: seoul.id, status_index: 7, valid: true, reason: null, at: secondsAgo(1) },
  ] } });

  const scope = `checkpoint:${busan.id}`;
  // The consumer may take the four scans in more than one batch: wait until the last one shows.
  let invalid = null;
  for (let i = 0; i < 100 && (invalid !== 2 || (await fifteen(page, scope, 'scan.valid')) !== 1); i += 1) {
    await page.waitForTimeout(100);
    invalid = await fifteen(page, scope, 'scan.invalid');
  }
  assert.equal(invalid, 2, 'the two scans that were not valid, counted on the open page');
  assert.equal(await fifteen(page, scope, 'scan.valid'), 1);
  // Rows name the checkpoint, not its number.
  assert.equal((await page.locator(`tr[data-scope="${scope}"] th`).first().textContent()).trim(), 'Haeundae gate (KR-26)');
  assert.equal(await fifteen(page, 'zone:KR-26', 'scan.invalid'), 2, 'and under the zone');
  // The alert needs Seoul's scan, so once it shows, Seoul's counts are in the view too: this official, of KR-26
  // only, is not shown them, but is shown the alert about the pass.
  await page.locator('#live-alerts li', { hasText: 'Possible copied pass' }).waitFor({ timeout: 10000 });
  assert.match(await page.locator('#live-alerts').textContent(), /pass:7/);
  assert.equal(await fifteen(page, `checkpoint:${seoul.id}`, 'scan.valid'), null, 'not their zone');
  assert.equal(await fifteen(page, 'zone:KR-11', 'scan.valid'), null);
  assert.equal(await page.locator('#live-late').textContent(), '0', 'no scan came late');
  assert.equal(await page.evaluate(() => window.liveMarker), 'loaded once', 'the page was not reloaded');
  assert.ok(Number(await page.locator('body').getAttribute('data-live-updates')) >= 1);

  // Without JavaScript the page is whole, as of when it loaded.
  const plain = await browser.newContext({ javaScriptEnabled: false });
  await plain.addCookies(await context.cookies());
  const still = await plain.newPage();
  await still.goto(`${surge.base}/live`);
  assert.equal(await fifteen(still, scope, 'scan.invalid'), 2);
  assert.match(await still.locator('#live-alerts').textContent(), /Possible copied pass/);
  await plain.close();
  await context.close();
});

test('the live stream is for officials only', async () => {
  const response = await fetch(`${surge.base}/live/events`);
  assert.notEqual(response.status, 200, 'no stream without signing in');
  await response.body?.cancel();
});
