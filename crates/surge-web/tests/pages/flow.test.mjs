// The bulk flow through the pages in headless Chromium: staff sign in and must replace the one-time password; an
// organisation registers; its contact signs in with a code sent by SMS; an official screens it from the queue; the
// organisation uploads a staff list, sees every bad row, then watches the passes being issued. Also: forms without
// their CSRF token are refused, sign-in codes are rate-limited, and the sign-in pages speak Korean.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as shared from './support.mjs';
import { startSurge, launchBrowser, fill, signInCode, sentMessages, localDate } from './support.mjs';

let surge;
let browser;
const staffPassword = 'correct horse battery staple';

before(async () => {
  surge = await startSurge();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  surge?.stop();
});

const heading = async (page) => (await page.locator('h1').textContent()).trim();

const isoDate = localDate;

function staffList(rows, { badPhoneOnLine } = {}) {
  let csv = 'name,phone,id_last4,zones,valid_from,valid_to,vehicle_plate\n';
  for (let i = 0; i < rows; i += 1) {
    const line = i + 2;
    const phone = line === badPhoneOnLine ? '12' : `010-5000-${String(1000 + i).padStart(4, '0')}`;
    csv += `Worker ${i},${phone},${String(1000 + i)},KR-26,${isoDate(0)},${isoDate(7)},\n`;
  }
  return csv;
}

async function signInAsStaff(context) {
  const page = await context.newPage();
  await page.goto(`${surge.base}/login/staff?lang=en`);
  await fill(page, { Username: 'admin', Password: surge.adminPassword });
  await page.getByRole('button', { name: 'Sign in' }).click();
  return page;
}

const signInByPhone = (context, typed, e164, next = '') => shared.signInByPhone(surge, context, typed, e164, next);

test('the whole bulk flow: register, sign in by code, screen, upload with errors, then issue', async () => {
  assert.ok(surge.adminPassword, 'surge serve printed the admin one-time password');
  // Staff: the one-time password must be replaced before anything else.
  const staff = await browser.newContext({ locale: 'en-GB' });
  const admin = await signInAsStaff(staff);
  assert.equal(await heading(admin), 'Change your password');
  await admin.goto(`${surge.base}/screening`);
  assert.equal(await heading(admin), 'Change your password', 'nothing else until the password is changed');
  await fill(admin, { 'Current password': surge.adminPassword, 'New password': 'short', 'Type the new password again': 'short' });
  await admin.getByRole('button', { name: 'Change password' }).click();
  assert.match(await admin.getByRole('alert').textContent(), /at least 12 characters/);
  await fill(admin, {
    'Current password': surge.adminPassword,
    'New password': staffPassword,
    'Type the new password again': staffPassword,
  });
  await admin.getByRole('button', { name: 'Change password' }).click();
  assert.equal(await heading(admin), 'Your account');

  // An organisation registers.
  const citizen = await browser.newContext({ locale: 'en-GB' });
  const form = await citizen.newPage();
  await form.goto(`${surge.base}/register?lang=en`);
  await fill(form, {
    'Legal name of the organisation': 'Gwangan Medical Supplies',
    'Business registration number': '220-81-62517',
    'Essential category': 'healthcare',
    'Address': '2 Gwangan-ro, Busan',
    'Area': 'KR-26',
    'Contact mobile number': '010-2222-3333',
    'Contact email address': 'ops@gwangan.example',
    'Number of passes you need': '40',
  });
  await form.getByRole('button', { name: 'Submit registration' }).click();
  assert.equal(await heading(form), 'Registration received');
  const reference = (await form.locator('.panel strong').textContent()).trim();
  // Issue 20 #16: officials see it only once its contact phone has signed in with a texted code.
  assert.equal(await form.getByRole('link', { name: 'Confirm your mobile number and sign in' }).count(), 1);
  await admin.goto(`${surge.base}/screening`);
  assert.equal(await admin.locator('tbody tr', { hasText: 'Gwangan Medical Supplies' }).count(), 0, 'not before the phone is confirmed');

  // Its contact signs in with a code and sees it in review.
  const account = await signInByPhone(citizen, '010-2222-3333', '+821022223333');
  assert.equal(await heading(account), 'Your account');
  await account.getByRole('link', { name: 'Gwangan Medical Supplies' }).click();
  assert.equal(await heading(account), 'Gwangan Medical Supplies');
  assert.equal((await account.locator('.tag').first().textContent()).trim(), 'In review');
  assert.equal(await account.getByRole('link', { name: 'Upload a staff list' }).count(), 0, 'not before approval');

  // The official finds it in the queue, with the automatic checks, and decides by keyboard.
  await admin.goto(`${surge.base}/screening`);
  assert.equal(await heading(admin), 'Screening queue');
  await admin.getByLabel('Essential category').selectOption('healthcare');
  await admin.getByRole('button', { name: 'Apply filters' }).click();
  const row = admin.locator('tbody tr', { hasText: 'Gwangan Medical Supplies' });
  assert.equal((await row.locator('td').first().textContent()).trim(), reference);
  await row.getByRole('link').click();
  assert.ok(await admin.getByRole('table').filter({ hasText: 'Registration number valid' }).count());
  await admin.getByRole('button', { name: 'Save and go to the next' }).click();
  const summary = admin.getByRole('alert');
  assert.match(await summary.textContent(), /Choose approve, reject or ask/);
  await summary.getByRole('link').click();
  await admin.keyboard.press('Tab');
  await admin.keyboard.press('Space');
  assert.equal(await admin.getByLabel('Approve', { exact: true }).isChecked(), true, 'the first choice takes the keyboard');
  assert.equal(await admin.getByLabel('Passes to approve').inputValue(), '40', 'the requested number is filled in');
  await admin.getByRole('button', { name: 'Save and go to the next' }).click();
  assert.equal(await heading(admin), 'Screening queue');
  assert.match(await admin.getByRole('status').textContent(), /Decision saved/);

  // The organisation uploads a list with a bad row: every problem is listed and nothing is stored.
  await account.reload();
  assert.equal((await account.locator('.tag').first().textContent()).trim(), 'Approved');
  await account.getByRole('link', { name: 'Upload a staff list' }).click();
  assert.equal(await heading(account), 'Upload a staff list');
  await account.getByLabel('Staff list (CSV)').setInputFiles({
    name: 'staff.csv', mimeType: 'text/csv', buffer: Buffer.from(staffList(30, { badPhoneOnLine: 5 })),
  });
  await account.getByRole('button', { name: 'Upload and issue passes' }).click();
  const problems = account.getByRole('alert');
  assert.match(await problems.textContent(), /The file has 1 problems\. Nothing was stored/);
  const cells = await account.locator('tbody tr').first().locator('td').allTextContents();
  assert.deepEqual(cells.slice(0, 2), ['5', 'phone']);
  await problems.getByRole('link').click();
  assert.equal(await account.evaluate(() => document.activeElement.id), 'file');

  // The corrected list is issued in the background; the bar fills without reloading the page.
  await account.getByLabel('Staff list (CSV)').setInputFiles({
    name: 'staff.csv', mimeType: 'text/csv', buffer: Buffer.from(staffList(30)),
  });
  await account.getByRole('button', { name: 'Upload and issue passes' }).click();
  assert.equal(await heading(account), 'Issuing passes');
  await account.locator('#batch-state', { hasText: 'Completed' }).waitFor({ timeout: 30000 });
  const [value, max] = await account.locator('#progress').evaluate((bar) => [bar.value, bar.max]);
  assert.deepEqual([value, max], [30, 30]);
  assert.match(await account.locator('#progress-text').textContent(), /30 of 30 passes issued\. 0 could not/);

  // Uploading the same file again is recognised and issues nothing new.
  await account.goto(`${surge.base}/organisations/${reference}/upload`);
  await account.getByLabel('Staff list (CSV)').setInputFiles({
    name: 'staff.csv', mimeType: 'text/csv', buffer: Buffer.from(staffList(30)),
  });
  await account.getByRole('button', { name: 'Upload and issue passes' }).click();
  assert.match(await account.getByRole('status').first().textContent(), /You uploaded this file before/);
  await staff.close();
  await citizen.close();
});

test('a form without its CSRF token is refused and changes nothing', async () => {
  const context = await browser.newContext({ locale: 'en-GB' });
  const page = await signInByPhone(context, '010-7777-8888', '+821077778888');
  assert.equal(await heading(page), 'Your account');
  const response = await page.request.post(`${surge.base}/logout`, { form: { csrf: 'forged' }, maxRedirects: 0 });
  assert.equal(response.status(), 403);
  await page.goto(`${surge.base}/account`);
  assert.equal(await heading(page), 'Your account', 'still signed in');
  await page.getByRole('button', { name: 'Sign out' }).click();
  assert.equal(await heading(page), 'Sign in with your mobile phone');
  await page.goto(`${surge.base}/account`);
  assert.equal(await heading(page), 'Sign in with your mobile phone', 'signed out');
  await context.close();
});

test('sign-in codes are limited per phone, with a page that says so', async () => {
  const context = await browser.newContext({ locale: 'en-GB' });
  const page = await context.newPage();
  for (let i = 0; i < 3; i += 1) {
    await page.goto(`${surge.base}/login`);
    await fill(page, { 'Mobile phone number': '010-4444-5555' });
    await page.getByRole('button', { name: 'Send the code' }).click();
    assert.equal(await heading(page), 'Check your phone');
  }
  await page.goto(`${surge.base}/login`);
  await fill(page, { 'Mobile phone number': '010-4444-5555' });
  await page.getByRole('button', { name: 'Send the code' }).click();
  assert.equal(await heading(page), 'Too many attempts');
  await page.getByRole('link', { name: 'Go back' }).click();
  await fill(page, { 'Mobile phone number': 'not a phone' });
  await page.getByRole('button', { name: 'Send the code' }).click();
  const input = page.getByLabel('Mobile phone number');
  assert.equal(await input.getAttribute('aria-invalid'), 'true');
  assert.match(await page.title(), /^Error:/);
  await context.close();
});

// Asks for a sign-in code for a phone; returns the code page, the code texted and a code that is not it.
async function codePage(context, typed, e164) {
  const page = await context.newPage();
  await page.goto(`${surge.base}/login`);
  await fill(page, { 'Mobile phone number': typed });
  await page.getByRole('button', { name: 'Send the code' }).click();
  const code = await signInCode(surge.dir, e164);
  return { page, code, wrong: code === '000000' ? '111111' : '000000' };
}

test('a wrong code is refused with the error next to the field', async () => {
  const context = await browser.newContext({ locale: 'en-GB' });
  const { page, code, wrong } = await codePage(context, '010-6666-7777', '+821066667777');
  await fill(page, { 'Text message code': wrong });
  await page.getByRole('button', { name: 'Continue' }).click();
  assert.match(await page.locator('#code-error').textContent(), /not right.*4 tries left/);
  await fill(page, { 'Text message code': code });
  await page.getByRole('button', { name: 'Continue' }).click();
  assert.equal(await heading(page), 'Your account');
  await context.close();
});

// Issue 21: after five wrong codes the person was locked out without being told.
test('five wrong codes say that the code no longer works and how to get a new one', async () => {
  const context = await browser.newContext({ locale: 'en-GB' });
  const { page, code, wrong } = await codePage(context, '010-6666-8888', '+821066668888');
  for (const left of [4, 3, 2, 1]) {
    await fill(page, { 'Text message code': wrong });
    await page.getByRole('button', { name: 'Continue' }).click();
    assert.match(await page.locator('#code-error').textContent(), new RegExp(`${left} tries left`));
  }
  await fill(page, { 'Text message code': wrong });
  await page.getByRole('button', { name: 'Continue' }).click();
  assert.match(await page.locator('#code-error').textContent(), /last try: this code no longer works/);
  await fill(page, { 'Text message code': code });
  await page.getByRole('button', { name: 'Continue' }).click();
  assert.match(await page.locator('#code-error').textContent(), /can no longer be used.*Ask for a new code/);
  assert.ok(await page.getByRole('link', { name: 'Not received a code? Send a new one' }).count(), 'a way to a new code');
  await context.close();
});

test('the sign-in pages speak Korean and fit a phone screen', async () => {
  const context = await browser.newContext({ locale: 'ko-KR', viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await page.goto(`${surge.base}/login`);
  assert.equal(await heading(page), '휴대전화로 로그인');
  assert.ok(await page.getByLabel('휴대전화 번호').count());
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0);
  await page.getByRole('link', { name: 'English' }).click();
  assert.equal(await heading(page), 'Sign in with your mobile phone');
  await context.close();
});

// Issue 21: staff pages opened while signed out went to the citizens' phone sign-in.
test('a staff page opened while signed out goes to the staff sign-in and back', async () => {
  const context = await browser.newContext({ locale: 'en-GB' });
  const page = await context.newPage();
  for (const path of ['/screening', '/messages', '/results/queue', '/policy', '/live']) {
    await page.goto(`${surge.base}${path}`);
    assert.equal(await heading(page), 'Staff sign in', path);
    assert.equal(new URL(page.url()).searchParams.get('next'), path, path);
  }
  await page.goto(`${surge.base}/apply`);
  assert.equal(await heading(page), 'Sign in with your mobile phone', 'a citizen page keeps the phone sign-in');
  await context.close();
});
