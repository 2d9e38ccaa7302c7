// Lab results in headless Chromium: a patient registers from the link on their sample's QR code (on a phone, errors
// first); the lab sends the negative over MLLP and it is texted with the required details; a positive and a
// correction of the texted negative wait for a clinician, the correction marked urgent and first; the clinician
// records a call and the item leaves the queue. The patient's page shows a signed result that `surge pass verify
// --result` accepts offline and a checkpoint never would, and that the correction revokes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startSurge, launchBrowser, fill, sentMessages, staffPage, signInByPhone, waitForMessage } from './support.mjs';

const data = new URL('../../../surge-results/tests/data/', import.meta.url);
const NEGATIVE = readFileSync(new URL('01_reportstream_pcr_94500-6_negative_v2.3.hl7', data), 'utf8');
const DETECTED = readFileSync(new URL('04_reportstream_multiplex_94500-6_detected_v2.5.1.hl7', data), 'utf8');

let surge;
let browser;
let mllpPort;

before(async () => {
  mllpPort = await new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
  surge = await startSurge({ args: ['--mllp', `127.0.0.1:${mllpPort}`] });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await surge?.stop();
});

// Runs `surge pass verify` offline against the server's trust list; returns the exit code and the JSON verdict.
function verifyOffline(text, extra) {
  const run = spawnSync(process.env.SURGE_BIN,
    ['pass', 'verify', '--trust', join(surge.dir, 'trust.json'), '--at', '2021-03-18T12:00:00Z', ...extra, text],
    { encoding: 'utf8' });
  return { code: run.status, verdict: JSON.parse(run.stdout) };
}

// Sends one HL7 message framed for MLLP and resolves with the ACK's MSA segment.
function sendHl7(message) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(mllpPort, '127.0.0.1', () => {
      socket.write(Buffer.concat([Buffer.from([0x0b]), Buffer.from(message), Buffer.from([0x1c, 0x0d])]));
    });
    let received = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf(Buffer.from([0x1c, 0x0d]));
      if (end >= 0) {
        socket.end();
        resolve(received.subarray(1, end).toString().split('\r').find((s) => s.startsWith('MSA|')));
      }
    });
    socket.on('error', reject);
  });
}

test('a patient registers, the negative is texted, and a clinician works the queue', async () => {
  const patient = await browser.newContext({ locale: 'en-GB', viewport: { width: 360, height: 740 } });
  const page = await patient.newPage();
  await page.goto(`${surge.base}/results/register?specimen=2107662558`);
  assert.equal(await page.getByLabel('Number on your sample label').inputValue(), '2107662558', 'filled from the QR link');
  await page.getByRole('button', { name: 'Register for my result' }).click();
  const summary = await page.getByRole('alert').textContent();
  assert.match(summary, /family name/);
  assert.match(summary, /date of birth/);
  assert.match(summary, /mobile number/);
  await fill(page, {
    'Family name': 'X7TEST', 'Given name': 'DONOTUSE', 'Date of birth': '1963-02-02', 'Mobile phone number': '010-3200-0001',
  });
  await page.getByRole('button', { name: 'Register for my result' }).click();
  assert.equal((await page.locator('h1').textContent()).trim(), 'You are registered');
  assert.match(await page.locator('main').textContent(), /we text it to \+82…01\./, 'the phone, masked');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, 'fits a phone');
  await patient.close();

  assert.match(await sendHl7(NEGATIVE), /^MSA\|AA\|04903212/);
  const texted = await waitForMessage(surge.dir, (m) => m.to === '+821032000001', 'the negative');
  assert.match(texted.body, /음성|NEGATIVE/);
  assert.match(texted.body, /1963-02-02/);

  // The text's link leads, after a code to the same phone, to the patient's results: the negative with its signed
  // result, which a third party checks offline and a checkpoint refuses.
  const link = texted.body.match(/https?:\/\/\S+\/r\b/)[0];
  assert.ok(link.endsWith('/r'), link);
  const own = await browser.newContext({ locale: 'en-GB', viewport: { width: 360, height: 740 } });
  const mine = await signInByPhone(surge, own, '010-3200-0001', '+821032000001', '?next=/r');
  assert.equal((await mine.locator('h1').textContent()).trim(), 'Your test results');
  // The results pages carry their own service's name, not the movement passes'.
  assert.match(await mine.locator('header').textContent(), /COVID-19 test results/);
  assert.match(await mine.locator('main').textContent(), /Negative: not detected.*2021-03-17.*FLH.*Signed result.*Valid until2021-03-20/s);
  assert.equal(await mine.locator('main .qr svg').count(), 1, 'the QR code');
  await mine.getByText('The signed result as text').click();
  const certificate = (await mine.locator('main .key').textContent()).trim();
  assert.match(certificate, /^EP1:/);
  await mine.reload();
  assert.equal((await mine.locator('main .key').textContent()).trim(), certificate, 'signed once and kept');
  const checked = verifyOffline(certificate, ['--result']);
  assert.equal(checked.code, 0, JSON.stringify(checked.verdict));
  assert.equal(checked.verdict.pass.holder, 'DONOTUSE X7TEST');
  assert.deepEqual(
    [checked.verdict.pass.result.test_code, checked.verdict.pass.result.detected, checked.verdict.pass.result.birth_date],
    ['94500-6', false, '1963-02-02']);
  const atCheckpoint = verifyOffline(certificate, ['--zone', 'KR-26']);
  assert.equal(atCheckpoint.code, 1);
  assert.ok(atCheckpoint.verdict.checks.some((c) => c.code === 'wrong_kind'), JSON.stringify(atCheckpoint.verdict));

  assert.match(await sendHl7(DETECTED), /^MSA\|AA\|/);
  const corrected = NEGATIVE.replace('04903212', '04903299').replace('||NEGATIVE||NEGATIVE|N|||F|', '||POSITIVE||NEGATIVE|A|||C|');
  assert.match(await sendHl7(corrected), /^MSA\|AA\|04903299/);

  const staff = await browser.newContext({ locale: 'en-GB' });
  const clinician = await staffPage(surge, staff, { username: 'doctor1', role: 'clinician' });
  // The collection site's label: a QR code that leads to the registration form with the sample number.
  await clinician.getByRole('link', { name: 'Print a result label' }).click();
  await fill(clinician, { 'Number on your sample label': 'S-9001' });
  await clinician.getByRole('button', { name: 'Make the label' }).click();
  assert.equal(await clinician.locator('.label .qr svg').count(), 1);
  assert.match(await clinician.locator('.label').textContent(), /RESULT S-9001/);
  await clinician.goto(`${surge.base}/account`);
  await clinician.getByRole('link', { name: 'Results to call about' }).click();
  const sections = clinician.locator('main section');
  assert.match(await sections.nth(0).textContent(), /URGENT.*Corrected after a negative was texted/s);
  assert.match(await sections.nth(1).textContent(), /Cedrick Diggory.*Detected \(positive\)/s);
  // What a clinician needs to call: the registered phone as a tel: link, the result and its status in words, the
  // test's short name, and no "0 h 0 min".
  assert.equal(await sections.nth(0).locator('a[href="tel:+821032000001"]').textContent(), '010-3200-0001');
  assert.match(await sections.nth(0).textContent(), /COVID-19 PCR.*Positive: detected \(POSITIVE\) · corrected/s);
  assert.match(await sections.nth(1).textContent(), /Phone to call\s*Not registered.*Positive: detected.*· final/s);
  assert.doesNotMatch(await clinician.locator('main').textContent(), /0 h 0 min/);
  const before = await sections.count();
  await sections.nth(1).getByRole('button', { name: 'Called: reached' }).click();
  assert.match(await clinician.getByRole('status').textContent(), /Saved for result/);
  assert.equal(await clinician.locator('main section').count(), before - 1);
  await staff.close();
  assert.equal(sentMessages(surge.dir).filter((m) => m.to === '+821032000001' && /1963-02-02/.test(m.body)).length, 1,
    'the correction sent no text');

  // After the correction the page no longer shows the negative, and the signed result is revoked in the status list.
  await mine.reload();
  const shown = await mine.locator('main').textContent();
  assert.match(shown, /This result was corrected/);
  assert.match(shown, /A clinician will call you about sample 2107662558/);
  assert.doesNotMatch(shown, /Negative: not detected|POSITIVE|Detected \(positive\)/);
  assert.equal(await mine.locator('main .qr svg').count(), 0);
  const list = await fetch(`${surge.base}/api/v1/status-list`);
  assert.equal(list.status, 200);
  const listFile = join(surge.dir, 'status-list.cbor');
  writeFileSync(listFile, Buffer.from(await list.arrayBuffer()));
  const revoked = verifyOffline(certificate, ['--result', '--status-list', listFile]);
  assert.equal(revoked.code, 1);
  assert.ok(revoked.verdict.checks.some((c) => c.code === 'revoked'), JSON.stringify(revoked.verdict));
  await own.close();
});
