// Passes after issue in headless Chromium at phone width, in English and Korean: a holder whose text was deleted
// signs in, finds the pass and has it texted again with a new link; the admin's pass keys page shows the key that
// signs and when it hands over, rotates now (the pass the old key signed still verifies), and withdraws a key only
// with a reason, which stops the passes it signed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSurge, launchBrowser, fill, sentMessages, api, signInByPhone, waitForMessage, staffPage, localDate } from './support.mjs';

let surge;
let browser;
let passText;
let passLink;

before(async () => {
  surge = await startSurge();
  browser = await launchBrowser();
  const { base, adminKey } = surge;
  const org = await api(base, 'POST', '/api/organisations', { key: adminKey, body: {
    legal_name: 'Key Test Foods', registry_number: '220-81-62517', category: 'food-supply',
    address: '1 Test-ro', zone: 'KR-26', contact_phone: '010-7777-0000', contact_email: 'k@example.org', requested_quota: 5,
  } });
  await api(base, 'POST', '/api/organisations/bulk-approve', { key: adminKey, body: {} });
  // From yesterday to two days ahead, in UTC dates: in force now in Seoul too, whenever the test runs.
  const iso = localDate;
  await api(base, 'POST', `/api/organisations/${org.id}/employees`, { key: org.api_key,
    csv: `name,phone,id_last4,zones,valid_from,valid_to\nKim Minji,010-7777-0001,4321,KR-26,${iso(-1)},${iso(2)}\n` });
  let link;
  for (let i = 0; i < 100 && !link; i += 1) {
    link = sentMessages(surge.dir).map((m) => m.body.match(/(\/p\/\d+\/[0-9A-Za-z-]+)/)).find(Boolean)?.[1];
    if (!link) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(link, 'the pass was issued and texted');
  passLink = link;
  const html = await (await fetch(`${base}${link}`)).text();
  passText = html.match(/id="pass-text">(EP1:[^<]+)</)[1].replaceAll('&#39;', "'").replaceAll('&amp;', '&');
});

after(async () => {
  await browser?.close();
  await surge?.stop();
});

async function verdict() {
  return api(surge.base, 'POST', '/api/v1/verify', { key: surge.adminKey, body: { text: passText } });
}

async function fitsThePhone(page) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `the page is ${width} px wide on a 360 px phone`);
}

test('a holder whose text was deleted finds the pass and has it texted again with a new link', async () => {
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 360, height: 740 } });
  const page = await signInByPhone(surge, context, '010-7777-0001', '+821077770001');
  await page.goto(`${surge.base}/account`);
  const list = page.locator('main ul').first();
  assert.match(await list.textContent(), /Kim Minji, \d{4}-\d\d-\d\d – \d{4}-\d\d-\d\d\s*Valid/);
  await page.getByRole('link', { name: /Kim Minji/ }).click();
  assert.equal((await page.locator('h1').textContent()).trim(), 'Movement pass');
  assert.equal(await page.locator('.qr svg').count(), 1);
  await fitsThePhone(page);
  const before = sentMessages(surge.dir).length;
  await page.getByRole('button', { name: 'Text me this pass again' }).click();
  assert.match(await page.getByRole('status').textContent(), /texted the pass to your phone again/);
  const again = await waitForMessage(surge.dir, (m, i) => i >= before && m.to === '+821077770001' && /\/p\/\d+\//.test(m.body));
  const newLink = again.body.match(/(\/p\/\d+\/[0-9A-Za-z-]+)/)[1];
  assert.notEqual(newLink, passLink);
  assert.equal((await fetch(`${surge.base}${newLink}`)).status, 200, 'the new link opens the pass');
  assert.equal((await fetch(`${surge.base}${passLink}`)).status, 404, 'the old link, perhaps in a lost phone, does not');

  await page.goto(`${surge.base}/account?lang=ko`);
  assert.match(await page.locator('main').textContent(), /내 허가증.*Kim Minji.*유효/s);
  // Another holder's pass is not found, not shown.
  await page.goto(`${surge.base}/account/passes/999?lang=ko`);
  assert.equal(await page.locator('.qr').count(), 0);
  assert.match(await page.locator('h1').textContent(), /찾을 수 없습니다/);
  await context.close();
});

test('an admin rotates the pass key, and withdraws the old one with a reason', async () => {
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await page.goto(`${surge.base}/admin/keys`);
  assert.match(page.url(), /\/login\/staff/, 'signed out: to the staff sign-in');
  await fill(page, { Username: 'admin', Password: surge.adminPassword });
  await page.getByRole('button', { name: 'Sign in' }).click();
  await fill(page, { 'Current password': surge.adminPassword, 'New password': 'keys admin password', 'Type the new password again': 'keys admin password' });
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByRole('link', { name: 'Pass keys' }).click();
  assert.equal((await page.locator('h1').textContent()).trim(), 'Pass keys');
  const lead = await page.locator('main p').first().textContent();
  const first = lead.match(/signed with key ([0-9a-f]{16})\. The next key takes over on \d{4}-\d\d-\d\d \d\d:\d\d KST/)?.[1];
  assert.ok(first, lead);
  assert.deepEqual(await page.locator('.key-use').allTextContents(), ['Signs new passes']);
  await fitsThePhone(page);

  await page.getByRole('button', { name: 'Rotate the pass key now' }).click();
  assert.match(await page.getByRole('status').textContent(), /The pass key was rotated/);
  assert.deepEqual(await page.locator('.key-use').allTextContents(), ['Signs new passes', 'Retired, still verifies']);
  const second = (await page.locator('main p').nth(1).textContent()).match(/key ([0-9a-f]{16})/)[1];
  assert.notEqual(second, first);
  assert.equal((await verdict()).valid, true, 'what the old key signed still verifies');
  const trust = await api(surge.base, 'GET', '/api/v1/trust-list');
  assert.equal(trust.format, 'surge-trust-list/1');

  // Withdrawing asks why first; nothing changes until it is said.
  await page.getByRole('link', { name: `Withdraw ${first}` }).click();
  assert.equal((await page.locator('h1').textContent()).trim(), `Withdraw key ${first}`);
  await page.getByRole('button', { name: 'Withdraw the key' }).click();
  assert.match(await page.getByRole('alert').textContent(), /Say why the key is withdrawn/);
  assert.equal((await verdict()).valid, true);
  await fill(page, { 'Why is the key withdrawn?': 'the laptop holding a backup was stolen' });
  await page.getByRole('button', { name: 'Withdraw the key' }).click();
  assert.match(await page.getByRole('status').textContent(), /The key was withdrawn/);
  assert.deepEqual(await page.locator('.key-use').allTextContents(), ['Signs new passes', 'Withdrawn']);
  const after = await verdict();
  assert.equal(after.valid, false);
  assert.equal(after.checks.find((c) => c.result === 'fail').code, 'unknown_kid');
  await fitsThePhone(page);

  // In Korean, the same page, all in Korean.
  await page.goto(`${surge.base}/admin/keys?lang=ko`);
  assert.equal((await page.locator('h1').textContent()).trim(), '허가증 서명 키');
  assert.deepEqual(await page.locator('.key-use').allTextContents(), ['새 허가증 서명 중', '폐기됨']);
  await page.getByRole('button', { name: '서명 키 지금 교체' }).waitFor();
  await fitsThePhone(page);
  await context.close();
});

test('an official finds a pass, sees its history and suspends it with a reason, on a phone', async () => {
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 360, height: 740 } });
  const page = await staffPage(surge, context, { username: 'duty2', role: 'official', zones: ['KR-26'], categories: [] });
  await page.goto(`${surge.base}/account`);
  await page.getByRole('link', { name: 'Find passes' }).click();
  await fill(page, { 'Control code': 'ABC' });
  await page.getByRole('button', { name: 'Find passes' }).click();
  assert.match(await page.getByRole('alert').textContent(), /Enter the 10-character control code/);
  await fill(page, { 'Control code': '', "Holder's name, or part of it": 'kim' });
  await page.getByRole('button', { name: 'Find passes' }).click();
  await page.getByRole('link', { name: 'Kim Minji' }).click();
  assert.match(await page.locator('main ol').textContent(), /Issued from employee list/);
  await fitsThePhone(page);
  await page.getByRole('link', { name: 'Suspend the pass' }).click();
  await page.getByRole('button', { name: 'Suspend the pass' }).click();
  assert.match(await page.getByRole('alert').textContent(), /Give a reason of 1 to 200 characters/);
  await fill(page, { Reason: 'checking a report of misuse' });
  await page.getByRole('button', { name: 'Suspend the pass' }).click();
  assert.match(await page.getByRole('status').textContent(), /The pass was changed and its holder texted/);
  assert.match(await page.locator('main ol').textContent(), /Suspended: checking a report of misuse/);
  await waitForMessage(surge.dir, (m) => m.to === '+821077770001' && /checking a report of misuse/.test(m.body));
  await page.goto(`${surge.base}/passes?name=kim&lang=ko`);
  assert.match(await page.locator('main').textContent(), /찾은 허가증.*Kim Minji.*정지됨/s);
  await fitsThePhone(page);
  await context.close();
});
