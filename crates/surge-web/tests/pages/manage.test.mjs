// Pass management by an organisation and by officials in headless Chromium at phone width: the organisation (in
// Korean) texts a pass again, renews its list for the next period, replacing the passes it gave, and opens the list's
// passes as a PDF to print; an official (in English) revokes the whole list in one confirmed action and suspends
// the organisation, then reinstates it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSurge, launchBrowser, fill, sentMessages, api, signInByPhone, waitForMessage, staffPage, localDate } from './support.mjs';

let surge;
let browser;
let orgId;

// Dates as UTC days, from yesterday: in force now in Seoul too, whenever the test runs.
const iso = localDate;
const list = (from, to) => 'name,phone,id_last4,zones,valid_from,valid_to\n'
  + `Park Jiwoo,010-6666-0001,1111,KR-26,${from},${to}\nChoi Yuna,010-6666-0002,2222,KR-26,${from},${to}\n`;

before(async () => {
  surge = await startSurge();
  browser = await launchBrowser();
  const { base, adminKey } = surge;
  const org = await api(base, 'POST', '/api/organisations', { key: adminKey, body: {
    legal_name: '해운대 물류', registry_number: '220-81-62517', category: 'food-supply',
    address: '1 Test-ro', zone: 'KR-26', contact_phone: '010-6666-0000', contact_email: 'm@example.org', requested_quota: 3,
  } });
  orgId = org.id;
  await api(base, 'POST', '/api/organisations/bulk-approve', { key: adminKey, body: {} });
  await api(base, 'POST', `/api/organisations/${org.id}/employees`, { key: org.api_key, csv: list(iso(-1), iso(2)) });
  await waitForMessage(surge.dir, (m) => m.to === '+821066660002' && /\/p\/\d+\//.test(m.body));
});

after(async () => {
  await browser?.close();
  await surge?.stop();
});

async function fitsThePhone(page) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `the page is ${width} px wide on a 360 px phone`);
}

test('an organisation texts a pass again and renews its list within its quota, in Korean', async () => {
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 360, height: 740 } });
  const page = await signInByPhone(surge, context, '010-6666-0000', '+821066660000');
  await page.goto(`${surge.base}/organisations/${orgId}/passes?lang=ko`);
  assert.equal((await page.locator('h1').textContent()).trim(), '이 기관에 발급된 허가증');
  await fitsThePhone(page);
  await page.getByRole('link', { name: 'Park Jiwoo' }).click();
  const before = sentMessages(surge.dir).length;
  await page.getByRole('button', { name: '소지자에게 허가증 문자 다시 보내기' }).click();
  assert.match(await page.getByRole('status').textContent(), /다시 보내고 있습니다/);
  await waitForMessage(surge.dir, (m, i) => i >= before && m.to === '+821066660001' && /\/p\/\d+\//.test(m.body));
  await fitsThePhone(page);

  // The quota is 3 and 2 are used: a plain list of the same two would be refused as a second pass; a renewal
  // replaces them, from today, without a new place.
  await page.goto(`${surge.base}/organisations/${orgId}/upload?lang=ko`);
  await page.getByLabel('직원 명단 (CSV)').setInputFiles({
    name: 'next.csv', mimeType: 'text/csv', buffer: Buffer.from(list(iso(3), iso(9))),
  });
  await page.getByLabel('이 명단은 이전에 발급받은 허가증을 갱신합니다').check();
  await page.getByRole('button', { name: '올리고 허가증 발급' }).click();
  await page.locator('#batch-state', { hasText: '완료' }).waitFor({ timeout: 30000 });
  assert.match(await page.locator('main').textContent(), /2개 행이 허가증을 갱신합니다/);
  await page.reload();
  assert.match(await page.locator('main').textContent(), /이전 허가증 2개를 대신했습니다/);
  await fitsThePhone(page);
  // The list's valid passes on one PDF, to print and hand out: the link opens it with the same sign-in.
  const print = page.getByRole('link', { name: '이 명단의 유효한 허가증 모두 인쇄 (PDF)' });
  const pdf = await context.request.get(new URL(await print.getAttribute('href'), surge.base).href);
  assert.equal(pdf.status(), 200);
  assert.equal(pdf.headers()['content-type'], 'application/pdf');
  assert.equal(pdf.headers()['cache-control'], 'no-store');
  const bytes = await pdf.body();
  assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.match(bytes.toString('latin1'), /\/Count 1\b/, 'two passes on one page');
  const org = await api(surge.base, 'GET', `/api/organisations/${orgId}`, { key: surge.adminKey });
  assert.equal(org.passes_used, 2, 'the renewal took no new place in the quota');
  const passes = await page.goto(`${surge.base}/organisations/${orgId}/passes?lang=ko`);
  assert.equal(passes.status(), 200);
  const statuses = await page.locator('tbody tr td:last-child').allTextContents();
  assert.deepEqual(statuses.map((s) => s.trim()), ['유효', '유효', '취소됨', '취소됨']);
  await context.close();
});

test('an official revokes a whole list in one confirmed action and suspends the organisation', async () => {
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 360, height: 740 } });
  const page = await staffPage(surge, context, { username: 'duty3', role: 'official', zones: ['KR-26'], categories: [] });
  // The renewed list's passes as a PDF, in English: the sheet's language is the page's.
  await page.goto(`${surge.base}/batches/2?lang=en`);
  const print = page.getByRole('link', { name: 'Print all valid passes of this list (PDF)' });
  const pdf = await context.request.get(new URL(await print.getAttribute('href'), surge.base).href);
  assert.equal(pdf.status(), 200);
  assert.equal(pdf.headers()['content-type'], 'application/pdf');
  assert.match((await pdf.body()).toString('latin1'), /\/Lang \(en\)/);
  await fitsThePhone(page);
  await page.goto(`${surge.base}/organisations/${orgId}/passes?lang=en`);
  await page.getByRole('link', { name: 'Revoke all passes of this organisation' }).click();
  assert.match(await page.locator('main').textContent(), /2 passes are valid or suspended now/);
  await fitsThePhone(page);
  await page.getByRole('button', { name: 'Revoke 2 passes' }).click();
  const problems = await page.getByRole('alert').textContent();
  assert.match(problems, /Give a reason/);
  assert.match(problems, /Tick the box to confirm/);
  await fill(page, { Reason: 'the site is closed' });
  await page.getByLabel('I understand that these 2 passes stop working').check();
  const before = sentMessages(surge.dir).length;
  await page.getByRole('button', { name: 'Revoke 2 passes' }).click();
  assert.match(await page.getByRole('status').textContent(), /2 passes were revoked/);
  await waitForMessage(surge.dir, (m, i) => i >= before && m.to === '+821066660002' && /the site is closed/.test(m.body));

  await page.goto(`${surge.base}/organisations/${orgId}?lang=en`);
  await page.getByRole('link', { name: 'Suspend this organisation' }).click();
  await page.getByRole('button', { name: 'Suspend this organisation' }).click();
  assert.match(await page.getByRole('alert').textContent(), /Give the organisation the reason it is suspended/);
  await fill(page, { 'Why is the organisation suspended?': 'lists of people who do not work here' });
  await page.getByRole('button', { name: 'Suspend this organisation' }).click();
  assert.match(await page.getByRole('status').textContent(), /status was changed/);
  assert.equal((await page.locator('.tag').first().textContent()).trim(), 'Suspended');
  await fitsThePhone(page);
  await page.goto(`${surge.base}/organisations/${orgId}?lang=ko`);
  assert.equal((await page.locator('.tag').first().textContent()).trim(), '정지');
  await page.getByRole('button', { name: '이 기관 다시 승인' }).click();
  assert.equal((await page.locator('.tag').first().textContent()).trim(), '승인');
  await fitsThePhone(page);
  await context.close();
});
