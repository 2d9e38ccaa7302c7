// The organisation registration page in headless Chromium: error summary first and linked to fields, labels on
// every field, Korean and English, a successful registration, and a phone-sized screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSurge, launchBrowser, fill } from './support.mjs';

let surge;
let base;
let browser;

before(async () => {
  surge = await startSurge();
  base = surge.base;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  surge?.stop();
});

test('an empty form shows the error summary first, linked to each field', async () => {
  const page = await browser.newPage({ locale: 'en-GB' });
  await page.goto(`${base}/register?lang=en`);
  await page.getByRole('button', { name: 'Submit registration' }).click();
  const summary = page.getByRole('alert');
  assert.equal((await summary.locator('h2').textContent()).trim(), 'There is a problem');
  const first = await page.locator('main > *').first().getAttribute('class');
  assert.equal(first, 'error-summary', 'the summary comes before everything else');
  const links = summary.locator('a');
  assert.ok((await links.count()) >= 6, 'one link per problem');
  await links.first().click();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'legal_name');
  const name = page.getByLabel('Legal name of the organisation', { exact: true });
  assert.equal(await name.getAttribute('aria-invalid'), 'true');
  assert.match(await name.getAttribute('aria-describedby'), /legal_name-error/);
  assert.match(await page.title(), /^Error:/);
});

test('a valid registration is received and shows the organisation key once', async () => {
  const page = await browser.newPage({ locale: 'en-GB' });
  await page.goto(`${base}/register?lang=en`);
  await fill(page, {
    'Legal name of the organisation': 'Busan Fresh Foods',
    'Business registration number': '220-81-62517',
    'Essential category': 'food-supply',
    'Address': '1 Jungang-daero, Busan',
    'Area': 'KR-26',
    'Contact mobile number': '010-1234-5678',
    'Contact email address': 'ops@busanfresh.example',
    'Number of passes you need': '250',
  });
  await page.getByRole('button', { name: 'Submit registration' }).click();
  assert.equal((await page.locator('h1').textContent()).trim(), 'Registration received');
  assert.match(await page.locator('.key').textContent(), /^surge_[0-9a-f]{40}$/);
});

test('a value that was typed stays in the form when another field is wrong', async () => {
  const page = await browser.newPage({ locale: 'en-GB' });
  await page.goto(`${base}/register?lang=en`);
  await fill(page, { 'Legal name of the organisation': 'Haeundae Bakery', 'Business registration number': '220-81-62518' });
  await page.getByRole('button', { name: 'Submit registration' }).click();
  assert.equal(await page.getByLabel('Legal name of the organisation', { exact: true }).inputValue(), 'Haeundae Bakery');
  const error = await page.locator('#registry_number-error').textContent();
  assert.match(error, /check digit/);
});

test('the form is in Korean when asked or when the browser prefers it, and the choice is remembered', async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/register?lang=ko`);
  assert.equal((await page.locator('h1').textContent()).trim(), '기관 등록');
  assert.equal(await page.getAttribute('html', 'lang'), 'ko');
  // The area is chosen from the authority's list, named in Korean: a typed "Busan" reached no official's queue. A
  // province is a group of its own: the whole of it first, then its districts.
  const busan = page.locator('#zone optgroup[label="부산광역시 (KR-26)"]');
  assert.deepEqual((await busan.locator('option').allTextContents()).slice(0, 3),
    ['부산광역시 전체 (KR-26)', '중구 (KR-26-110)', '서구 (KR-26-140)']);
  assert.equal(await busan.locator('option').count(), 17, 'the city and its 16 districts');
  assert.equal(await page.locator('#zone option[value="KR-50"]').count(), 1, 'Sejong, which has no districts');
  await page.goto(`${base}/register`);
  assert.equal((await page.locator('h1').textContent()).trim(), '기관 등록', 'the lang cookie keeps Korean');
  await page.getByRole('link', { name: 'English' }).click();
  assert.equal((await page.locator('h1').textContent()).trim(), 'Register your organisation');
  const korean = await browser.newContext({ locale: 'ko-KR' });
  const other = await korean.newPage();
  await other.goto(`${base}/register`);
  assert.equal((await other.locator('h1').textContent()).trim(), '기관 등록');
  await other.getByRole('button', { name: '등록 신청' }).click();
  assert.equal((await other.getByRole('alert').locator('h2').textContent()).trim(), '입력한 내용에 문제가 있습니다');
  await korean.close();
});

test('the form fits a phone screen without sideways scrolling', async () => {
  const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
  await page.goto(`${base}/register?lang=en`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0);
});
