// Every page, as each kind of user sees it, in Korean and in English at phone width: axe-core finds no WCAG 2.1 AA
// violation, no page is wider than the phone, and a Korean page holds no English words beyond a short allow-list
// (codes, units, brand names, and the language switch's own "English").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSurge, launchBrowser, api, signInByPhone, waitForMessage, staffPage, axeViolations, englishWords, localDate } from './support.mjs';

let surge;
let browser;
const people = {};
const paths = {};

const iso = localDate;

before(async () => {
  surge = await startSurge();
  browser = await launchBrowser();
  const { base, adminKey } = surge;
  const org = await api(base, 'POST', '/api/organisations', { key: adminKey, body: {
    legal_name: '부산 신선식품', registry_number: '220-81-62517', category: 'food-supply',
    address: '부산광역시 중구 중앙대로 1', zone: 'KR-26', contact_phone: '010-5555-0000', contact_email: 'f@example.org',
    requested_quota: 5,
  } });
  await api(base, 'POST', '/api/organisations/bulk-approve', { key: adminKey, body: {} });
  const batch = await api(base, 'POST', `/api/organisations/${org.id}/employees`, { key: org.api_key,
    csv: `name,phone,id_last4,zones,valid_from,valid_to\n김민지,010-5555-0001,4321,KR-26,${iso(-1)},${iso(2)}\n` });
  const text = await waitForMessage(surge.dir, (m) => m.to === '+821055550001' && /\/p\/\d+\//.test(m.body));
  const link = text.body.match(/(\/p\/(\d+)\/[0-9A-Za-z-]+)/);
  Object.assign(paths, { org: `/organisations/${org.id}`, batch: `/batches/${batch.batch_id}`, link: link[1], pass: link[2] });

  const context = () => browser.newContext({ locale: 'en-GB', viewport: { width: 360, height: 740 } });
  people.admin = await staffPage(surge, await context(), { username: 'a11y-admin', role: 'admin' });
  people.official = await staffPage(surge, await context(), { username: 'a11y-official', role: 'official' });
  people.clinician = await staffPage(surge, await context(), { username: 'a11y-doctor', role: 'clinician' });
  people.organisation = await signInByPhone(surge, await context(), '010-5555-0000', '+821055550000');
  people.holder = await signInByPhone(surge, await context(), '010-5555-0001', '+821055550001');
  people.visitor = await (await context()).newPage();
});

after(async () => {
  await browser?.close();
  await surge?.stop();
});

// Who opens which page.
function pages() {
  const { org, batch, link, pass } = paths;
  return {
    visitor: ['/', '/login', '/login/staff', '/register', '/results/register', '/situation', link, '/no-such-page'],
    holder: ['/account', `/account/passes/${pass}`, '/apply'],
    organisation: ['/account', org, `${org}/upload`, `${org}/passes`, `${org}/passes/${pass}`,
      `${org}/passes/${pass}/revoke`, batch, `${batch}/revoke-all`],
    official: ['/account', '/screening', org, `${org}/suspend`, `${org}/revoke-all`, '/passes', '/passes?name=%EA%B9%80',
      `/passes/${pass}`, `/passes/${pass}/suspend`, '/applications', '/messages', '/live', '/policy', '/checkpoint'],
    admin: ['/account', '/policy', '/policy/rules/new', '/admin/keys', '/admin/staff', '/admin/staff/new', '/admin/api-keys', '/admin/api-keys/new'],
    clinician: ['/account', '/results/queue', '/results/label'],
  };
}

for (const lang of ['ko', 'en']) {
  test(`every page in ${lang === 'ko' ? 'Korean' : 'English'}: no accessibility violation, fits a phone${lang === 'ko' ? ', no English' : ''}`, async () => {
    const problems = [];
    for (const [who, list] of Object.entries(pages())) {
      const page = people[who];
      for (const path of list) {
        const url = `${surge.base}${path}${path.includes('?') ? '&' : '?'}lang=${lang}`;
        await page.goto(url);
        const where = `${who} ${path}`;
        for (const v of await axeViolations(page)) problems.push(`${where}: ${v}`);
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        if (width > 360) problems.push(`${where}: ${width} px wide`);
        if (lang === 'ko') {
          const english = await englishWords(page);
          if (english.length) problems.push(`${where}: English words ${english.join(', ')}`);
          assert.equal(await page.evaluate(() => document.documentElement.lang), 'ko', where);
        }
      }
    }
    assert.deepEqual(problems, []);
  });
}
