// Citizens' applications in headless Chromium: a medical emergency in one's own zone is approved by the rules and
// the QR code shows at once; a goods vehicle goes to a transport official's queue (not a health official's), is
// approved there and the applicant sees the pass; a bad form lists every problem, and a file that only claims to
// be a PDF is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSurge, launchBrowser, fill, signInByPhone, staffPage, waitForMessage, localDate } from './support.mjs';

let surge;
let browser;

before(async () => {
  surge = await startSurge();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await surge?.stop();
});

const heading = async (page) => (await page.locator('h1').textContent()).trim();

const isoDate = localDate;

async function apply(page, purpose, values, document) {
  await page.goto(`${surge.base}/apply`);
  assert.equal(await heading(page), 'Apply for a movement pass');
  if (purpose) await page.getByLabel(purpose, { exact: true }).check();
  await fill(page, values);
  if (document) await page.setInputFiles('#document', document);
  await page.getByRole('button', { name: 'Send application' }).click();
}

test('a medical emergency in one zone is approved by the rules and the QR code shows at once', async () => {
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 360, height: 740 } });
  const page = await signInByPhone(surge, context, '010-3100-0001', '+821031000001', '?next=/apply');
  await apply(page, 'Medical emergency', {
    'Zone you travel from': 'kr-26', 'Zone you travel to': 'KR-26', 'First day': isoDate(0), 'Last day': isoDate(1),
    'Name to show on the pass': 'Park Jiwoo', 'Last 4 characters of your identity document': '55a1',
  });
  assert.match(await heading(page), /^Application A-\d+$/);
  assert.match(await page.locator('.tag').first().textContent(), /Approved/);
  assert.equal(await page.locator('.qr svg').count(), 1, 'the QR code is on the page');
  assert.match(await page.locator('main').textContent(), /Park Jiwoo.*55A1/s);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, 'fits a phone');
  await waitForMessage(surge.dir, (m) => m.to === '+821031000001' && /movement pass is ready|이동 허가증이 발급되었습니다/.test(m.body),
    'the pass SMS');
  await page.goto(`${surge.base}/account`);
  assert.match(await page.locator('main').textContent(), /Your pass applications.*Medical emergency.*Approved/s);
  await context.close();
});

test('a goods vehicle waits for a transport official, who approves it; the health official never sees it', async () => {
  const citizen = await browser.newContext({ locale: 'en-GB' });
  const page = await signInByPhone(surge, citizen, '010-3100-0002', '+821031000002', '?next=/apply');
  await apply(page, 'Goods transport', {
    'Zone you travel from': 'KR-26', 'Zone you travel to': 'KR-11', 'First day': isoDate(1), 'Last day': isoDate(3),
    'Name to show on the pass': 'Choi Driver', 'Last 4 characters of your identity document': '9090',
    'Vehicle registration plate (optional)': '12가3456',
  }, { name: 'manifest.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% a manifest\n') });
  assert.match(await page.locator('.tag').first().textContent(), /Waiting for an official/);
  assert.match(await page.locator('main').textContent(), /An official will check your application/);
  const reference = (await heading(page)).replace('Application ', '');
  await waitForMessage(surge.dir, (m) => m.to === '+821031000002' && m.body.includes(reference),
    'the text telling the applicant it is with an official');

  const staff = await browser.newContext({ locale: 'en-GB' });
  const health = await staffPage(surge, staff, { username: 'health1', role: 'official', zones: ['KR-26'], categories: ['healthcare'] });
  await health.goto(`${surge.base}/applications`);
  assert.match(await health.locator('main').textContent(), /No applications are waiting/);
  await health.goto(`${surge.base}${new URL(page.url()).pathname}`);
  assert.equal(await heading(health), 'Page not found', 'outside the health official\'s scope');
  await staff.close();

  const transportContext = await browser.newContext({ locale: 'en-GB' });
  const transport = await staffPage(surge, transportContext, { username: 'transport1', role: 'official', zones: ['KR-26'], categories: ['logistics'] });
  await transport.goto(`${surge.base}/applications`);
  const row = transport.getByRole('row', { name: new RegExp(reference) });
  assert.match(await row.textContent(), /Goods transport.*KR-26 → KR-11.*min/s);
  await row.getByRole('link').click();
  assert.match(await transport.locator('main').textContent(), /goods-vehicles.*Goods vehicles are checked by a transport official/s);
  const download = transport.waitForEvent('download');
  await transport.getByRole('link', { name: 'Download the document' }).click();
  assert.equal((await download).suggestedFilename(), `application-${reference.slice(2)}.pdf`);
  await transport.getByRole('button', { name: 'Save decision' }).click();
  assert.match(await transport.getByRole('alert').textContent(), /Choose approve or reject/);
  await transport.getByLabel('Approve and issue the pass').check();
  await transport.getByRole('button', { name: 'Save decision' }).click();
  assert.match(await transport.locator('main').textContent(), new RegExp(`Decision saved for ${reference}`));
  await transportContext.close();

  await page.reload();
  assert.match(await page.locator('.tag').first().textContent(), /Approved/);
  assert.equal(await page.locator('.qr svg').count(), 1);
  await citizen.close();
});

test('a bad form lists every problem first, and a file that only claims to be a PDF is refused', async () => {
  const context = await browser.newContext({ locale: 'en-GB' });
  const page = await signInByPhone(surge, context, '010-3100-0003', '+821031000003', '?next=/apply');
  await apply(page, null, {
    'Zone you travel from': 'Busan city', 'First day': 'tomorrow', 'Last 4 characters of your identity document': '900101',
  }, { name: 'letter.pdf', mimeType: 'application/pdf', buffer: Buffer.from('<html>not a pdf</html>') });
  assert.match(await page.title(), /^Error:/);
  const summary = await page.getByRole('alert').textContent();
  for (const problem of [/Choose why you need to travel/, /zone you travel to/, /first day/i, /Enter only the last 4 characters/, /PDF, JPEG or PNG/]) {
    assert.match(summary, problem);
  }
  await page.getByRole('link', { name: /Choose why you need to travel/ }).click();
  assert.equal(await page.evaluate(() => location.hash), '#purpose');
  assert.equal(await page.getByLabel('Last 4 characters of your identity document').getAttribute('aria-invalid'), 'true');
  await context.close();
});
