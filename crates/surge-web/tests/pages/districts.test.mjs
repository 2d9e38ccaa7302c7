// A district dashboard (Busan's shape) in headless Chromium: a health authority's feed of districts only, imported
// with a mapping that carries population, tests and positivity, gives Busan a page with a map of its districts
// shaded by their figures beside the table of them; districts are named in the reader's language; the pages pass
// axe-core, fit a phone, and the Korean ones hold no English.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSurge, launchBrowser, axeViolations, englishWords } from './support.mjs';

let surge;
let browser;

// Five of Busan's sixteen districts, a week each; Haeundae's figures are the highest, Jung-gu's the lowest.
const DISTRICTS = [
  ['해운대구', 30, 390000], ['부산진구', 20, 360000], ['사하구', 12, 300000], ['기장군', 8, 180000], ['중구', 1, 40000],
];

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'surge-districts-'));
  writeFileSync(join(dir, 'surge.toml'), '[lake]\nrefresh_seconds = 1\n');
  const lines = ['날짜,구,확진,인구,검사,양성률'];
  for (let day = 1; day <= 7; day++) {
    for (const [gu, cases, people] of DISTRICTS) {
      lines.push(`2026-11-0${day},${gu},${cases},${people},${cases * 40},2.5`);
    }
  }
  writeFileSync(join(dir, 'busan.csv'), `${lines.join('\n')}\n`);
  writeFileSync(join(dir, 'busan.toml'), [
    'source = "busan-health"', 'date_column = "날짜"', 'region = "KR-26"', 'sub_region_column = "구"',
    '[measures]', 'new_confirmed = "확진"', 'population = "인구"', 'new_tests = "검사"', 'positive_percent = "양성률"',
  ].join('\n'));
  execFileSync(process.env.SURGE_BIN, ['lake', 'import', 'csv', join(dir, 'busan.csv'), '--mapping', join(dir, 'busan.toml'),
    '--data-dir', dir], { encoding: 'utf8' });
  surge = await startSurge({ dir });
  browser = await launchBrowser();
  for (let i = 0; i < 100; i++) {
    const response = await fetch(`${surge.base}/situation/KR-26`);
    if (response.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail('the dashboard never published Busan');
});

after(async () => {
  await browser?.close();
  await surge?.stop();
});

test('Busan on a phone in Korean: a map of its districts beside their figures, each district named and linked', async () => {
  const context = await browser.newContext({ locale: 'ko-KR', viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await page.goto(`${surge.base}/situation`);
  await page.getByRole('link', { name: '부산광역시' }).click();
  assert.equal(new URL(page.url()).pathname, '/situation/KR-26');
  assert.equal((await page.locator('h1').textContent()).trim(), '부산광역시');

  const map = page.getByRole('img', { name: '부산광역시 — 최근 7일 인구 10만 명당 신규 확진자' });
  assert.equal(await map.count(), 1, 'the map, named for what it shows');
  assert.equal(await map.locator('path').count(), 16, 'every district of Busan');
  const fills = await map.locator('path').evaluateAll((paths) =>
    Object.fromEntries(paths.map((p) => [p.querySelector('title').textContent.split(':')[0], p.getAttribute('fill')])));
  assert.notEqual(fills['해운대구'], fills['중구'], 'the highest and the lowest are shaded apart');
  assert.equal(fills['금정구'], 'url(#no-data)', 'a district without figures is hatched');
  const legend = await page.getByRole('list', { name: '범례' }).textContent();
  assert.match(legend, /자료 없음/);
  assert.match(await page.locator('figcaption').textContent(), /통계청/, 'the boundaries are credited');

  const table = page.getByRole('table', { name: /확진자와 사망자/ });
  assert.match(await table.textContent(), /해운대구/);
  const box = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(box <= 360, `the page is ${box}px wide on a 360px screen`);
  assert.deepEqual(await axeViolations(page), []);
  assert.deepEqual(await englishWords(page), []);

  await table.getByRole('link', { name: '해운대구' }).click();
  assert.equal((await page.locator('h1').textContent()).trim(), '부산광역시 해운대구');
  const summary = await page.locator('dl').first().textContent();
  // 7 days of 30 cases among 390,000 people; positivity as the feed gave it, in percent.
  assert.match(summary, /인구 10만 명당.*53\.8/s);
  assert.match(summary, /2\.5%/);
  assert.deepEqual(await axeViolations(page), []);
  assert.deepEqual(await englishWords(page), []);
  await context.close();
});

test('Busan in English at desktop width: the same map and names in English', async () => {
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${surge.base}/situation/KR-26`);
  assert.equal((await page.locator('h1').textContent()).trim(), 'Busan');
  const map = page.getByRole('img', { name: 'Busan — new cases in the last 7 days per 100,000 people' });
  assert.equal(await map.count(), 1);
  const titles = await map.locator('path title').allTextContents();
  assert.ok(titles.includes('Haeundae-gu: 53.8'), titles.join(' | '));
  assert.ok(titles.includes('Geumjeong-gu: No figures'), titles.join(' | '));
  // Side by side on a wide screen: the table starts to the right of the map, not below it.
  const mapBox = await map.boundingBox();
  const tableBox = await page.getByRole('table', { name: /Cases and deaths/ }).boundingBox();
  assert.ok(tableBox.x > mapBox.x + mapBox.width / 2, `map at ${mapBox.x}, table at ${tableBox.x}`);
  assert.deepEqual(await axeViolations(page), []);
  await page.getByRole('link', { name: 'Haeundae-gu' }).first().click();
  assert.equal((await page.locator('h1').textContent()).trim(), 'Haeundae-gu, Busan');
  await context.close();
});
