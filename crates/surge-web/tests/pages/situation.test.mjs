// The public situation dashboard in headless Chromium: OWID's sample imported into the lake with the CLI, the
// dashboard compares regions and shows a region's charts; the CSV link downloads the same numbers as the chart's
// table; pages are served with an ETag; a new import shows without a restart; officials query the lake over the API;
// another source's figures for the same country are set beside OWID's, credited.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSurge, launchBrowser, api } from './support.mjs';

const samples = new URL('../../../surge-lake/tests/data/', import.meta.url).pathname;
const owid = join(samples, 'owid_owid-covid-data__2020-05_stored-version_head.csv');
const who = join(samples, 'who_WHO-COVID-19-global-data__2020-07_head300.csv');

let surge;
let browser;
let dir;

function lake(...args) {
  return execFileSync(process.env.SURGE_BIN, ['lake', ...args, '--data-dir', dir], { encoding: 'utf8' });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'surge-situation-'));
  // The dashboard stays on OWID when WHO's sample (more rows) is imported at the end.
  writeFileSync(join(dir, 'surge.toml'), '[lake]\nrefresh_seconds = 1\ndashboard_source = "owid"\n');
  lake('import', 'owid', owid);
  surge = await startSurge({ dir });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await surge?.stop();
});

// The dashboard is published by the server's refresh loop; wait for a page to say what is expected.
async function waitFor(url, predicate, what) {
  for (let i = 0; i < 100; i++) {
    const response = await fetch(url);
    const text = await response.text();
    if (response.ok && predicate(text)) return text;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`timed out waiting for ${what} at ${url}`);
}

function parseCsv(text) {
  const [header, ...rows] = text.trim().split('\n').map((line) => line.split(','));
  return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i]])));
}

test('a region shows its chart, and the CSV link downloads the same numbers', async () => {
  await waitFor(`${surge.base}/situation`, (html) => html.includes('Afghanistan'), 'the regions table');
  const context = await browser.newContext({ locale: 'en-GB', acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${surge.base}/situation`);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'COVID-19 situation by region');
  const table = page.getByRole('table', { name: /Cases and deaths by region/ });
  assert.match(await table.textContent(), /Aruba/);
  assert.match(await page.locator('main').textContent(), /Our World in Data \(CC BY 4\.0\)/);

  await table.getByRole('link', { name: 'Afghanistan' }).click();
  assert.equal(new URL(page.url()).pathname, '/situation/AFG');
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Afghanistan');
  const chart = page.getByRole('img', { name: 'New cases each day' });
  assert.equal(await chart.count(), 1);
  // OWID's sample has Afghanistan's cases on 10 days; zeros and gaps draw no bar.
  assert.equal(await chart.locator('rect.bar').count(), 10, 'a bar for each day with cases');
  // Per 100,000 comes from OWID's population; the summary says so.
  assert.match(await page.locator('dl').first().textContent(), /Per 100,000 people, last 7 days/);

  // The chart's own table of figures, read as a person would.
  await page.getByText('New cases each day: the figures').click();
  const rows = await page.locator('details.chart-data').first().locator('tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [tr.querySelector('th').textContent, tr.querySelector('td').textContent]));
  assert.ok(rows.length > 30, `${rows.length} rows`);

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download the figures (CSV)' }).click(),
  ]);
  const csv = parseCsv(readFileSync(await download.path(), 'utf8'));
  assert.equal(csv.length, rows.length, 'one CSV row for each row of the chart table');
  for (const [day, shown] of rows) {
    const row = csv.find((r) => r.date === day);
    assert.ok(row, `no CSV row for ${day}`);
    const expected = row.new_confirmed === '' ? '—' : Number(row.new_confirmed).toLocaleString('en-GB');
    assert.equal(shown, expected, `${day}: the page shows ${shown}, the CSV ${row.new_confirmed}`);
  }
  const last = csv.at(-1);
  assert.deepEqual([last.date, last.cumulative_confirmed, last.source], ['2020-03-24', '40', 'owid']);
  await context.close();
});

test('pages carry an ETag, and a second request with it costs a 304', async () => {
  const first = await fetch(`${surge.base}/situation/AFG`, { headers: { 'accept-language': 'ko' } });
  const etag = first.headers.get('etag');
  assert.ok(etag, 'an ETag');
  assert.match(first.headers.get('cache-control'), /max-age=60/);
  assert.match(await first.text(), /<html lang="ko">/);
  const again = await fetch(`${surge.base}/situation/AFG`, { headers: { 'accept-language': 'ko', 'if-none-match': etag } });
  assert.equal(again.status, 304);
  const missing = await fetch(`${surge.base}/situation/NOWHERE`);
  assert.equal(missing.status, 404);
});

test('the Korean page fits a phone, and a new import shows without a restart', async () => {
  const context = await browser.newContext({ locale: 'ko-KR', viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await page.goto(`${surge.base}/situation/AFG`);
  assert.equal(await page.getByRole('img', { name: '일별 신규 확진자' }).count(), 1);
  // Countries by their Korean names on Korean pages: the page, and the index's comparison.
  assert.equal((await page.locator('h1').textContent()).trim(), '아프가니스탄');
  await page.goto(`${surge.base}/situation`);
  assert.match(await page.locator('table.compare').first().textContent(), /아프가니스탄.*아루바|아루바.*아프가니스탄/s);
  await page.goto(`${surge.base}/situation/AFG`);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 360, `the page is ${wide}px wide on a 360px screen`);

  // OWID revises Afghanistan's last day.
  const revised = join(dir, 'owid-covid-data.csv');
  writeFileSync(revised, readFileSync(owid, 'utf8').replace('AFG,Afghanistan,2020-03-24,40,6,', 'AFG,Afghanistan,2020-03-24,41,7,'));
  lake('import', 'owid', revised);
  const csv = await waitFor(`${surge.base}/situation/AFG.csv`, (text) => text.includes('2020-03-24,7,'), 'the revised figures');
  assert.match(csv, /,2020-03-24,7,[\d.]*,41,/);
  await context.close();
});

test('officials query the lake read-only over the API', async () => {
  const sql = encodeURIComponent("SELECT region, count(*) AS days FROM daily_cases GROUP BY region ORDER BY region");
  const rows = await api(surge.base, 'GET', `/api/v1/lake/sql?q=${sql}`, { key: surge.adminKey });
  assert.deepEqual(rows.map((r) => r.region), ['ABW', 'AFG']);
  const refused = await api(surge.base, 'GET', `/api/v1/lake/sql?q=${encodeURIComponent('DELETE FROM daily_cases')}`,
    { key: surge.adminKey, expect: [422] });
  assert.equal(refused.error.code, 'query_not_read_only');
  const anonymous = await fetch(`${surge.base}/api/v1/lake/sql?q=${sql}`);
  assert.equal(anonymous.status, 401);
});

test("a country's page shows its totals in the other sources the lake holds, credited", async () => {
  // WHO names Afghanistan AF, OWID AFG: the lake's country code joins them.
  lake('import', 'who', who);
  await waitFor(`${surge.base}/situation/AFG`, (html) => html.includes('id="elsewhere"'), 'the other sources');
  const context = await browser.newContext({ locale: 'en-GB' });
  const page = await context.newPage();
  await page.goto(`${surge.base}/situation/AFG`);
  const table = page.getByRole('table', { name: 'Cases and deaths in total, by source' });
  const row = table.getByRole('row', { name: /WHO COVID-19 global data/ });
  // WHO's last whole-country row for Afghanistan in the sample: 2020-06-25, 30,175 cases, 675 deaths.
  assert.deepEqual(await row.locator('td').allTextContents(), ['30,175', '675', '2020-06-25']);
  assert.equal(await table.locator('tbody tr').count(), 1, 'OWID itself is not listed again');
  await context.close();
});
