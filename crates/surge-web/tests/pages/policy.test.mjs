// The pass policy page in headless Chromium: an admin tries the rules in force on a sample application, sees a
// broken document refused with the problems in the error summary (nothing saved), and saves a new version.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSurge, launchBrowser, fill, axeViolations, englishWords } from './support.mjs';

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

test('an admin adds a rule of a common kind in Korean on a phone, sees it in words, and removes it', async () => {
  const context = await browser.newContext({ locale: 'ko-KR', viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await page.goto(`${surge.base}/login/staff`);
  await fill(page, { '아이디': 'admin', '비밀번호': 'policy admin password' });
  await page.getByRole('button', { name: '로그인', exact: true }).click();
  await page.goto(`${surge.base}/policy`);
  const before = await page.locator('#rules + p + ol > li').count();
  await page.getByRole('link', { name: '규칙 추가' }).click();
  assert.equal(new URL(page.url()).pathname, '/policy/rules/new');

  // Nothing filled in: each problem named in the summary, nothing saved.
  await page.getByRole('button', { name: '규칙 추가' }).click();
  const problems = await page.getByRole('alert').locator('li').allTextContents();
  assert.deepEqual(problems, ['규칙 이름은 영문 소문자, 숫자, 하이픈으로 입력하십시오', '규칙의 결정을 선택하십시오',
    '조건을 하나 이상 입력하십시오', '한국어 사유를 300자 이내로 입력하십시오', '영어 사유를 300자 이내로 입력하십시오']);
  assert.deepEqual(await axeViolations(page), []);
  assert.deepEqual(await englishWords(page), []);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 360, `the form is ${wide}px wide on a 360px screen`);

  await fill(page, { '규칙 이름': 'care-week-review', '최대 일수': '7', '신청인에게 보일 사유 (한국어)': '가족 돌봄은 담당자가 확인합니다',
    '신청인에게 보일 사유 (영어)': 'An official checks care for a relative' });
  await page.getByLabel('담당자 검토').check();
  await page.getByLabel('목적', { exact: true }).selectOption({ label: '가족 돌봄' });
  await page.getByLabel('맨 앞 (다른 모든 규칙보다 먼저)').check();
  await page.getByRole('button', { name: '규칙 추가' }).click();
  assert.match(await page.getByRole('status').textContent(), /2번 버전이 이제 적용됩니다/);
  const first = page.locator('#rules + p + ol > li').first();
  assert.match(await first.textContent(), /담당자 검토.*care-week-review.*목적이 가족 돌봄 · 7일 이하.*가족 돌봄은 담당자가 확인합니다/s);
  assert.equal(await page.locator('#rules + p + ol > li').count(), before + 1);
  assert.match(await page.getByLabel('규칙 (JSON)').inputValue(), /"care-week-review"/, 'the JSON view holds it too');

  // Tried on a sample, the new first rule decides.
  await fill(page, { '목적': 'care-for-relative', '일수': '3' });
  await page.getByRole('button', { name: '이 규칙으로 시험' }).click();
  assert.match(await page.locator('#result').textContent(), /담당자 검토.*care-week-review/s);
  assert.deepEqual(await axeViolations(page), []);

  // The same rule name again is refused; then the rule is removed.
  await page.goto(`${surge.base}/policy/rules/new?lang=en`);
  await fill(page, { 'Rule name': 'care-week-review', 'At least this many applications this week': 'two',
    'Reason shown to the applicant, in Korean': '가', 'Reason shown to the applicant, in English': 'a' });
  await page.getByLabel('Reject').check();
  await page.getByRole('button', { name: 'Add a rule' }).click();
  assert.deepEqual(await page.getByRole('alert').locator('li').allTextContents(),
    ['A rule of this name is already in force', 'Enter a whole number from 1 to 366']);
  await page.goto(`${surge.base}/policy?lang=en`);
  await page.getByRole('button', { name: 'Remove rule 1' }).click();
  assert.match(await page.getByRole('status').textContent(), /Version 3 is now in force/);
  assert.equal(await page.locator('#rules + p + ol > li').count(), before);
  assert.doesNotMatch(await page.locator('main').textContent(), /care-week-review/);
  await context.close();
});
