// The start page and the not-found page in headless Chromium, in Korean and English at phone width: a first visitor
// learns what each service is and where to begin, and an unknown address keeps the layout, the language switch and
// a way back (issue 21).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSurge, launchBrowser } from './support.mjs';

let surge;
let browser;

before(async () => {
  surge = await startSurge();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  surge?.stop();
});

const heading = async (page) => (await page.locator('h1').textContent()).trim();
const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

test('the start page names every service and where to begin, in both languages on a phone', async () => {
  const context = await browser.newContext({ locale: 'ko-KR', viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await page.goto(`${surge.base}/`);
  assert.equal(await heading(page), '긴급 공공 서비스');
  assert.equal(await page.locator('h2').count(), 6);
  assert.equal(await overflow(page), 0, 'no sideways scrolling at 360 px');
  await page.getByRole('link', { name: 'English' }).click();
  assert.equal(await heading(page), 'Emergency public services');
  for (const [link, lands] of [
    ['Apply for a pass', 'Sign in with your mobile phone'],
    ['Register your organisation', 'Register your organisation'],
    ['See the situation', null],
    ['Staff sign in', 'Staff sign in'],
  ]) {
    await page.goto(`${surge.base}/?lang=en`);
    await page.getByRole('link', { name: link }).click();
    const status = await page.evaluate(() => document.title);
    assert.ok(!/not found/i.test(status), `${link} leads somewhere`);
    if (lands) assert.equal(await heading(page), lands, link);
  }
  await context.close();
});

test('an unknown address shows the not-found page with the layout, the language switch and a way back', async () => {
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  const response = await page.goto(`${surge.base}/no/such/page`);
  assert.equal(response.status(), 404);
  assert.equal(await heading(page), 'Page not found');
  assert.equal(await overflow(page), 0);
  await page.getByRole('link', { name: '한국어' }).click();
  assert.equal(await heading(page), '페이지를 찾을 수 없습니다');
  await page.getByRole('link', { name: '처음 화면으로 가기' }).click();
  assert.equal(await heading(page), '긴급 공공 서비스');
  const api = await page.request.get(`${surge.base}/api/v1/no-such-thing`);
  assert.equal(api.status(), 404);
  assert.equal((await api.json()).error.code, 'not_found', 'the API keeps its JSON errors');
  await context.close();
});
