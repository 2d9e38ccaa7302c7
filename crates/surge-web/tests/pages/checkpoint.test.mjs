// The checkpoint officer's page in headless Chromium, at phone size: an officer signs in, chooses the checkpoint,
// types a control code and sees VALID in green; a revoked pass is NOT VALID in red with the reason; a mistyped
// code is caught by its check character and shown in the error summary.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startSurge, launchBrowser, fill, sentMessages, api, staffPage, localDate } from './support.mjs';

let surge;
let browser;
const passes = [];
// The pass texts, as the holders' pages showed them before one was revoked (a revoked pass's page shows none).
const texts = [];

const isoDate = localDate;

before(async () => {
  surge = await startSurge();
  browser = await launchBrowser();
  const { base, adminKey } = surge;
  // Registered by the admin, so it needs no contact-phone confirmation before approval.
  const org = await api(base, 'POST', '/api/organisations', { key: adminKey, body: {
    legal_name: 'Checkpoint Test Foods', registry_number: '220-81-62517', category: 'food-supply',
    address: '1 Test-ro', zone: 'KR-26', contact_phone: '010-8888-0000', contact_email: 't@example.org', requested_quota: 5,
  } });
  await api(base, 'POST', '/api/organisations/bulk-approve', { key: adminKey, body: {} });
  const csv = 'name,phone,id_last4,zones,valid_from,valid_to\n'
    + `Kim Minji,010-8888-0001,4321,KR-26,${isoDate(0)},${isoDate(6)}\n`
    + `Lee Jun,010-8888-0002,8765,KR-26,${isoDate(0)},${isoDate(6)}\n`;
  await api(base, 'POST', `/api/organisations/${org.id}/employees`, { key: org.api_key, csv });
  for (let i = 0; i < 100 && passes.length < 2; i += 1) {
    passes.length = 0;
    for (const m of sentMessages(surge.dir)) {
      const code = m.body.match(/\b([0-9A-Z]{5}-[0-9A-Z]{5})\b/);
      const link = m.body.match(/(\/p\/(\d+)\/[0-9A-Za-z-]+)/);
      if (code && link) passes.push({ to: m.to, code: code[1], index: Number(link[2]), link: link[1] });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(passes.length, 2, 'both passes were issued and texted');
  passes.sort((a, b) => a.to.localeCompare(b.to));
  for (const pass of passes) {
    const html = await (await fetch(`${base}${pass.link}`)).text();
    texts.push(html.match(/id="pass-text">(EP1:[^<]+)</)[1].replaceAll('&#39;', "'").replaceAll('&amp;', '&'));
  }
  await api(base, 'POST', `/api/v1/passes/${passes[1].index}/status`, { key: adminKey, body: { action: 'revoke', reason: 'reported stolen' } });
  await api(base, 'POST', '/api/v1/checkpoints', { key: adminKey, body: { name: 'Haeundae gate', zone: 'KR-26', lat: 35.16, lon: 129.16 } });
  await api(base, 'POST', '/api/v1/checkpoints', { key: adminKey, body: { name: 'Seoul station', zone: 'KR-11', lat: 37.55, lon: 126.97 } });
});

after(async () => {
  await browser?.close();
  await surge?.stop();
});

test('an officer checks a valid pass, a revoked one and a mistyped code on a phone', async () => {
  const { password } = await api(surge.base, 'POST', '/api/accounts', { key: surge.adminKey, body: { username: 'gate1', role: 'checkpoint' } });
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await page.goto(`${surge.base}/login/staff`);
  await fill(page, { Username: 'gate1', Password: password });
  await page.getByRole('button', { name: 'Sign in' }).click();
  await fill(page, { 'Current password': password, 'New password': 'checkpoint officer 1', 'Type the new password again': 'checkpoint officer 1' });
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByRole('link', { name: 'Check a pass' }).click();
  await page.getByLabel('Checkpoint').selectOption({ label: 'Haeundae gate (KR-26)' });
  await fill(page, { 'Control code or pass text': passes[0].code.toLowerCase() });
  await page.getByRole('button', { name: 'Check' }).click();
  const valid = page.locator('.verdict');
  assert.equal((await valid.textContent()).trim(), 'VALID');
  assert.equal(await valid.evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(0, 112, 60)');
  assert.match(await page.locator('dl').textContent(), /Kim Minji.*4321.*KR-26/s);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, 'fits a phone');

  await fill(page, { 'Control code or pass text': passes[1].code });
  await page.getByRole('button', { name: 'Check' }).click();
  const invalid = page.getByRole('alert');
  assert.match(await invalid.textContent(), /NOT VALID\s*The pass has been revoked/);
  assert.equal(await invalid.evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(212, 53, 28)');

  const wrong = passes[0].code.slice(0, 3) + (passes[0].code[3] === 'A' ? 'B' : 'A') + passes[0].code.slice(4);
  await fill(page, { 'Control code or pass text': wrong });
  await page.getByRole('button', { name: 'Check' }).click();
  assert.match(await page.getByRole('alert').textContent(), /mistyped/);
  assert.match(await page.title(), /^Error:/);
  await context.close();

  // Both checks at the gate are in the scan log; the valid one counts for the cloned-pass check.
  const alerts = await api(surge.base, 'GET', '/api/v1/alerts', { key: surge.adminKey });
  assert.deepEqual(alerts.alerts, [], 'one checkpoint raises no alert');
});

test('an officer points the camera at a pass on the holder\'s phone and sees it checked', async () => {
  // The holder's pass page, as the camera would see it: its QR code drawn into a video file that stands in for
  // the camera (Chromium's fake capture device).
  const holder = await browser.newPage();
  await holder.goto(`${surge.base}${passes[0].link}`);
  const luma = await holder.evaluate(async () => {
    const svg = new XMLSerializer().serializeToString(document.querySelector('.qr svg'));
    const image = new Image();
    image.src = `data:image/svg+xml;base64,${btoa(svg)}`;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 480;
    const context = canvas.getContext('2d');
    context.fillStyle = '#fff';
    context.fillRect(0, 0, 640, 480);
    context.drawImage(image, 120, 40, 400, 400);
    const { data } = context.getImageData(0, 0, 640, 480);
    const y = new Uint8Array(640 * 480);
    for (let i = 0; i < y.length; i += 1) y[i] = Math.round(0.299 * data[4 * i] + 0.587 * data[4 * i + 1] + 0.114 * data[4 * i + 2]);
    return Array.from(y);
  });
  await holder.close();
  const video = join(surge.dir, 'camera.y4m');
  const chroma = Buffer.alloc(320 * 240 * 2, 128);
  writeFileSync(video, Buffer.concat([Buffer.from('YUV4MPEG2 W640 H480 F5:1 Ip A1:1 C420jpeg\nFRAME\n'), Buffer.from(luma), chroma]));

  const cameraBrowser = await launchBrowser(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${video}`]);
  try {
    const context = await cameraBrowser.newContext({ locale: 'en-GB', viewport: { width: 360, height: 740 }, permissions: ['camera'] });
    const page = await staffPage(surge, context, { username: 'gate3', role: 'checkpoint' });
    await page.goto(`${surge.base}/checkpoint`);
    await page.getByRole('button', { name: 'Scan with the camera' }).click();
    await page.locator('.verdict').waitFor({ timeout: 20000 });
    assert.equal((await page.locator('.verdict').textContent()).trim(), 'VALID');
    assert.match(await page.locator('dl').textContent(), /Kim Minji.*4321/s);
  } finally {
    await cameraBrowser.close();
  }
});

test('with the network cut, the page still verifies a pass issued before, refuses a revoked one, and uploads later', async () => {
  // The revoked pass's page no longer shows its code or text; what it says instead.
  const revoked = await (await fetch(`${surge.base}${passes[1].link}`)).text();
  assert.ok(!revoked.includes('pass-text') && !revoked.includes('<svg'), 'no code to show on a revoked pass');
  assert.match(revoked, /This pass has been withdrawn|이 허가증은 취소되었습니다/);
  assert.match(revoked, /reported stolen/);
  // A negative test result signed by the same authority key: genuine, but never a movement pass.
  const now = Date.now();
  const claims = join(surge.dir, 'result-claims.json');
  writeFileSync(claims, JSON.stringify({
    kind: 'test-result', category: 'test-result', purpose: 'COVID-19 PCR', zones: [], holder: 'Kim Minji',
    masked_id: null, vehicle_plate: null, organisation: null,
    not_before: new Date(now - 3600e3).toISOString().slice(0, 19) + 'Z',
    expires: new Date(now + 86400e3).toISOString().slice(0, 19) + 'Z', status_index: 5000,
    result: { test_code: '94500-6', test_name: 'COVID-19 PCR', detected: false, lab: 'Busan Lab' },
  }));
  const signed = spawnSync(process.env.SURGE_BIN, ['pass', 'sign', '--key', join(surge.dir, 'keys', 'pass'), '--claims', claims], { encoding: 'utf8' });
  assert.equal(signed.status, 0, signed.stderr);
  const result = signed.stdout.trim();
  assert.match(result, /^EP1:/);

  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 360, height: 740 } });
  const page = await staffPage(surge, context, { username: 'gate2', role: 'checkpoint' });
  await page.goto(`${surge.base}/checkpoint`);
  await page.evaluate(() => navigator.serviceWorker.ready);
  // Opened again under the service worker, which now holds the page, its script and the keys and status list.
  await page.reload();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  const banner = page.locator('#offline-status');
  await banner.waitFor();
  assert.match(await banner.textContent(), /Ready to check passes with no network: 1 keys/);
  // In the authority's local time (Asia/Seoul by default), named as the server names it, not UTC.
  assert.match(await banner.textContent(), /status list of \d{4}-\d\d-\d\d \d\d:\d\d KST\./);

  // The same pass was checked in Seoul a few minutes ago; Busan is too far for the time between.
  const seoul = (await api(surge.base, 'GET', '/api/v1/checkpoints', { key: surge.adminKey })).checkpoints.find((c) => c.name === 'Seoul station');
  await api(surge.base, 'POST', '/api/v1/verify', { key: surge.adminKey, body: { text: texts[0], checkpoint_id: seoul.id } });

  const before = (await api(surge.base, 'GET', '/api/v1/alerts', { key: surge.adminKey })).alerts.length;
  // The cut: the browser is offline and nothing listens at the server's address.
  const { port } = new URL(surge.base);
  const { adminKey } = surge;
  await surge.stop();
  await context.setOffline(true);
  await page.reload();
  assert.equal(await page.locator('h1').textContent(), 'Check a pass', 'the page came from the service worker');
  await banner.waitFor();
  await page.getByLabel('Checkpoint').selectOption({ label: 'Haeundae gate (KR-26)' });
  await fill(page, { 'Control code or pass text': texts[0] });
  await page.getByRole('button', { name: 'Check' }).click();
  const verdict = page.locator('#offline-result .verdict');
  await verdict.waitFor();
  assert.match(await verdict.textContent(), /^VALID.*without the network/);
  assert.equal(await verdict.evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(0, 112, 60)');
  assert.match(await page.locator('#offline-result dl').textContent(), /Kim Minji.*4321.*KR-26/s);
  assert.match(await page.locator('#offline-result dl').textContent(), /Valid until\d{4}-\d\d-\d\d \(end of day\)/);

  await fill(page, { 'Control code or pass text': texts[1] });
  await page.getByRole('button', { name: 'Check' }).click();
  await page.locator('#offline-result .verdict.invalid').waitFor();
  assert.match(await page.locator('#offline-result').textContent(), /NOT VALID\s*The pass has been revoked/);

  // A pass whose signature was tampered with is refused.
  const forged = texts[0].slice(0, -6) + (texts[0].slice(-6, -5) === '0' ? '1' : '0') + texts[0].slice(-5);
  await fill(page, { 'Control code or pass text': forged });
  await page.getByRole('button', { name: 'Check' }).click();
  await page.locator('#offline-result .verdict.invalid').waitFor();
  assert.match(await page.locator('#offline-result').textContent(), /NOT VALID/);

  // A genuine signed test result is no movement pass: refused without the network too.
  await fill(page, { 'Control code or pass text': result });
  await page.getByRole('button', { name: 'Check' }).click();
  await page.locator('#offline-result .verdict.invalid').waitFor();
  assert.match(await page.locator('#offline-result').textContent(), /NOT VALID\s*This is a test result, not a movement pass/);
  assert.match(await banner.textContent(), /4 checks wait to be uploaded/);

  // The network returns: the queued checks are uploaded with their own times, and the cloned pass is caught.
  surge = { ...await startSurge({ dir: surge.dir, listen: `127.0.0.1:${port}` }), adminKey };
  await context.setOffline(false);
  await page.waitForFunction(() => JSON.parse(localStorage.getItem('surge.scan-queue') || '[]').length === 0);
  const alerts = (await api(surge.base, 'GET', '/api/v1/alerts', { key: adminKey })).alerts;
  assert.equal(alerts.length, before + 1, `the upload raised one alert: ${JSON.stringify(alerts)}`);
  assert.match(alerts[0].detail, /Seoul station.*Haeundae gate/, 'the newest alert: from Seoul to the gate');

  // Issue 20 #7 and #10, offline again: the checkpoint's zone is checked as the server checks it, and a typed
  // control code (which needs the server) is CANNOT CHECK HERE in its own colour, not NOT VALID.
  await context.setOffline(true);
  await page.getByLabel('Checkpoint').selectOption({ label: 'Seoul station (KR-11)' });
  await fill(page, { 'Control code or pass text': texts[0] });
  await page.getByRole('button', { name: 'Check' }).click();
  await page.locator('#offline-result .verdict.invalid').waitFor();
  assert.match(await page.locator('#offline-result').textContent(), /NOT VALID\s*Not valid in this zone/);
  const waiting = JSON.parse(await page.evaluate(() => localStorage.getItem('surge.scan-queue') || '[]')).length;
  await fill(page, { 'Control code or pass text': passes[0].code });
  await page.getByRole('button', { name: 'Check' }).click();
  const cannot = page.locator('#offline-result .verdict.unknown');
  await cannot.waitFor();
  assert.match(await cannot.textContent(), /^CANNOT CHECK HERE\s*Without a network, scan the QR code/);
  assert.equal(await cannot.getAttribute('role'), 'status', 'not announced as a refusal');
  assert.equal(await cannot.evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(255, 221, 0)');
  assert.doesNotMatch(await page.locator('#offline-result').textContent(), /NOT VALID/);
  const after = JSON.parse(await page.evaluate(() => localStorage.getItem('surge.scan-queue') || '[]')).length;
  assert.equal(after, waiting, 'a check that could not be made is not logged as a scan');
  await context.close();
});
