// The pass policy page in headless Chromium: an admin tries the rules in force on a sample application, sees a
// broken document refused with the problems in the error summary (nothing saved), and saves a new version.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSurge, launchBrowser, fill } from './support.mjs';

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

test('an admin tries, is refused a broken policy, and saves a new version', async () => {
  const context = await browser.newContext({ locale: 'en-GB' });
  const page = await context.newPage();
  await page.goto(`${surge.base}/login/staff`);
  await fill(page, { Username: 'admin', Password: surge.adminPassword });
  await page.getByRole('button', { name: 'Sign in' }).click();
  await fill(page, { 'Current password': surge.adminPassword, 'New password': 'policy admin password', 'Type the new password again': 'policy admin password' });
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByRole('link', { name: 'Pass policy' }).click();
  assert.match(await page.locator('main').textContent(), /Version 0 is in force/);

  // The built-in rules approve a short funeral.
  await fill(page, { Purpose: 'funeral', Days: '2' });
  await page.getByRole('button', { name: 'Try these rules' }).click();
  assert.match(await page.locator('#result').textContent(), /Approve — by rule funeral-short/);

  // A broken document: every problem is listed and linked to the rules; nothing is saved.
  const rules = page.getByLabel('Rules (JSON)');
  await rules.fill('{"rules": [{"id": "x", "outcome": "maybe", "when": {"all": []}, "reason": {"en": "e"}}]}');
  await page.getByRole('button', { name: 'Save as the next version' }).click();
  const summary = page.getByRole('alert');
  const problems = await summary.locator('li').allTextContents();
  assert.deepEqual(problems.map((p) => p.split(':')[0]), ['rule 1, outcome', 'rule 1, when', 'rule 1, reason']);
  await summary.locator('a').first().click();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'document');
  await page.goto(`${surge.base}/policy`);
  assert.match(await page.locator('main').textContent(), /Version 0 is in force/, 'nothing was saved');

  // A stricter policy, tried then saved.
  const strict = JSON.stringify({ rules: [{ id: 'funerals-reviewed', outcome: 'review',
    when: { '===': [{ var: 'application.purpose' }, 'funeral'] },
    reason: { en: 'An official checks funerals', ko: '장례는 담당자가 확인합니다' } }] });
  await page.getByLabel('Rules (JSON)').fill(strict);
  await fill(page, { Purpose: 'funeral', Days: '2' });
  await page.getByRole('button', { name: 'Try these rules' }).click();
  assert.match(await page.locator('#result').textContent(), /Review by an official — by rule funerals-reviewed/);
  await page.getByRole('button', { name: 'Save as the next version' }).click();
  assert.match(await page.getByRole('status').textContent(), /Version 1 is now in force/);
  await context.close();
});
