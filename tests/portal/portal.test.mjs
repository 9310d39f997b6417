// The portal (/browser/) in Debian's headless Chromium, driven by playwright-core: a user's
// path through the demo catalog (tests/portal/run.sh starts the server). Every expectation
// is read from the API of the same server while the test runs (titles, counts, ids), none
// is stored here. A screenshot of every step goes to $STACFED_PORTAL_TEST_OUT.
//
//   STACFED_PORTAL_TEST_URL=http://127.0.0.1:8080 node tests/portal/portal.test.mjs
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const base = process.env.STACFED_PORTAL_TEST_URL;
const out = process.env.STACFED_PORTAL_TEST_OUT || 'build/portal-test';
const chromiumPath = process.env.STACFED_CHROMIUM || '/usr/bin/chromium';
assert.ok(base, 'set STACFED_PORTAL_TEST_URL');
mkdirSync(out, { recursive: true });

const api = async (url) => {
  const r = await fetch(url.startsWith('http') ? url : base + url, { headers: { Accept: 'application/json' } });
  assert.equal(r.status, 200, `GET ${url}`);
  return r.json();
};
const linksOf = (doc, rel) => doc.links.filter((l) => l.rel === rel);
const portalPath = (href) => '/browser/' + href.slice(base.length + 1);

let step = 0;
let failures = 0;
async function check(page, name, fn) {
  step += 1;
  const shot = join(out, `${String(step).padStart(2, '0')}-${name}.png`);
  const started = Date.now();
  try {
    await fn();
    await page.screenshot({ path: shot });
    console.log(`ok ${step} - ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failures += 1;
    await page.screenshot({ path: shot }).catch(() => {});
    console.log(`not ok ${step} - ${name}\n  ${String(e.stack || e).split('\n').slice(0, 6).join('\n  ')}`);
    throw e;
  }
}

// Text of the page's main heading (stac-browser's <h1>).
const heading = (page) => page.locator('h1').first();
const expectText = async (page, text, timeout = 15000) => {
  await page.getByText(text, { exact: true }).filter({ visible: true }).first().waitFor({ timeout });
};

async function openPage(browser) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // Nothing outside the server: map tiles and remote schemas are not fetched.
  await page.route((url) => !url.href.startsWith(base), (route) => route.abort());
  page.searches = [];
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.endsWith('/search') && !path.startsWith('/browser/')) {
      page.searches.push({ method: r.method(), url: r.url(), body: r.postData() });
    }
  });
  page.answers = [];  // numberMatched of each /search answer the page received
  page.on('response', async (r) => {
    const path = new URL(r.url()).pathname;
    if (path.endsWith('/search') && !path.startsWith('/browser/') && r.ok()) {
      page.answers.push((await r.json().catch(() => ({}))).numberMatched);
    }
  });
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  return page;
}

// The item search the page sent last, asked again of the API. A count still running in the
// background (STACFED_COUNT_WAIT_MS) is waited for: the page showed the count it got.
async function replay(request) {
  for (let attempt = 0; ; attempt++) {
    const page = await replayOnce(request);
    if (page.numberMatched !== undefined || attempt === 30) return page;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
async function replayOnce(request) {
  const r = request.method === 'POST'
    ? await fetch(request.url, { method: 'POST', body: request.body, headers: { 'Content-Type': 'application/json' } })
    : await fetch(request.url);
  assert.equal(r.status, 200, `${request.method} ${request.url}`);
  return r.json();
}
const searchParams = (request) => (request.method === 'POST'
  ? JSON.parse(request.body)
  : Object.fromEntries(new URL(request.url).searchParams));

// The form of the active tab ("Search for Items").
const form = (page) => page.locator('.tab-pane.active');

async function pickMultiselect(page, placeholder, text) {
  await form(page).locator('.multiselect', { has: page.locator(`input[placeholder="${placeholder}"]`) }).click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Escape');
}

async function addFilter(page, name) {
  await form(page).getByRole('button', { name: 'Add filter' }).click();
  const menu = page.locator('.dropdown-menu.show .dropdown-item');
  const names = (await menu.allInnerTexts()).map((t) => t.split('\n')[0].trim());
  const index = names.indexOf(name);
  assert.ok(index >= 0, `the filter menu offers ${name} (queryables): ${names.join(', ')}`);
  await menu.nth(index).click();
}

async function submitSearch(page) {
  const before = page.searches.length;
  await form(page).getByRole('button', { name: 'Submit' }).click();
  for (let i = 0; i < 100 && page.searches.length === before; i++) await page.waitForTimeout(100);
  assert.ok(page.searches.length > before, 'the form sent a search');
  await page.waitForLoadState('networkidle');
  return page.searches[page.searches.length - 1];
}

// The count stac-browser shows beside "Items" (numberMatched of the page it loaded).
async function itemCount(page) {
  const badge = page.locator('section.items header .badge').first();
  await badge.waitFor();
  return Number((await badge.innerText()).trim());
}

// The ids the result list shows, in order.
async function shownItemIds(page, expected) {
  const ids = [];
  for (const id of expected) {
    await expectText(page, id);
    ids.push(id);
  }
  return ids;
}

const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
try {
  // ---- from the root --------------------------------------------------------------------
  const landing = await api('/');
  const page = await openPage(browser);
  const topCatalogs = linksOf(landing, 'child').filter((l) => l.href.includes('/catalogs/'));
  assert.ok(topCatalogs.length >= 4, 'the demo has top-level catalogs');

  await check(page, 'root', async () => {
    await page.goto(base + '/browser/');
    await heading(page).waitFor();
    assert.equal((await heading(page).innerText()).trim(), landing.title);
    for (const link of topCatalogs) await expectText(page, link.title);
  });

  const catalogLink = topCatalogs.find((l) => l.title === 'DKRZ') || topCatalogs[0];
  const catalog = await api(catalogLink.href);
  const subLink = linksOf(catalog, 'child').find((l) => l.href.includes('/catalogs/'));
  assert.ok(subLink, `${catalog.id} has a sub-catalog`);
  await check(page, 'catalog', async () => {
    await page.getByRole('link', { name: catalogLink.title, exact: true }).first().click();
    await page.waitForURL(base + portalPath(catalogLink.href));
    await expectText(page, catalog.title);
    assert.equal((await heading(page).innerText()).trim(), catalog.title);
    // Its characterisation: the description, and its children.
    await page.getByText(catalog.description.slice(0, 40)).first().waitFor();
    for (const child of linksOf(catalog, 'child')) await expectText(page, child.title);
  });

  const sub = await api(subLink.href);
  const collectionLink = linksOf(sub, 'child').find((l) => l.href.includes('/collections/'));
  assert.ok(collectionLink, `${sub.id} has a collection`);
  await check(page, 'sub-catalog', async () => {
    await page.getByRole('link', { name: subLink.title, exact: true }).first().click();
    await page.waitForURL(base + portalPath(subLink.href));
    assert.equal((await heading(page).innerText()).trim(), sub.title);
    await expectText(page, collectionLink.title);
  });

  const collection = await api(collectionLink.href);
  const itemsLink = linksOf(collection, 'items')[0];
  const firstPage = await api(itemsLink.href + '?limit=12');
  await check(page, 'collection', async () => {
    await page.getByRole('link', { name: collectionLink.title, exact: true }).first().click();
    await page.waitForURL(base + portalPath(collectionLink.href));
    assert.equal((await heading(page).innerText()).trim(), collection.title);
    for (const f of firstPage.features) await expectText(page, f.properties.title || f.id);
    // The count of its items, as numberMatched says.
    assert.equal(await itemCount(page), firstPage.numberMatched);
  });

  const item = firstPage.features[0];
  await check(page, 'item', async () => {
    await page.getByRole('link', { name: item.properties.title || item.id, exact: true }).first().click();
    await page.waitForURL(/\/items\//);
    assert.equal((await heading(page).innerText()).trim(), item.properties.title || item.id);
    // Every asset, named by where that copy lives.
    for (const asset of Object.values(item.assets)) await expectText(page, asset.title);
  });

  await check(page, 'back up to the collection', async () => {
    await page.getByRole('link', { name: 'Up' }).or(page.getByRole('button', { name: 'Up' })).first().click();
    await page.waitForURL(base + portalPath(collectionLink.href));
    assert.equal((await heading(page).innerText()).trim(), collection.title);
  });

  // ---- item search at the root ----------------------------------------------------------
  await check(page, 'search form', async () => {
    await page.getByRole('link', { name: 'Search' }).or(page.getByRole('button', { name: 'Search' })).first().click();
    await page.waitForURL(base + '/browser/search');
    await page.getByRole('tab', { name: 'Search for Items' }).click();
    await form(page).getByText('Search Terms', { exact: true }).waitFor();
  });

  // The filter value with the most matches for the word searched: enough for two pages.
  const word = 'tas';
  const facet = 'project';
  const queryables = await api('/queryables');
  let value;
  let most = 0;
  for (const v of queryables.properties[facet].enum) {
    const r = await fetch(base + '/search', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ q: word, limit: 1, filter: { op: '=', args: [{ property: facet }, v] } }),
    }).then((x) => x.json());
    if (r.numberMatched > most) [value, most] = [v, r.numberMatched];
  }
  assert.ok(most > 5, `a ${facet} with more than 5 items matching ${word}`);

  let lastSearch;
  let result;
  await check(page, 'search with text, filter and sort', async () => {
    await pickMultiselect(page, 'Enter one or more search terms...', word);
    await addFilter(page, facet);
    await form(page).locator('select').last().selectOption(value);
    await pickMultiselect(page, 'Default', 'Identifier');
    await form(page).locator('input[type=number]').fill('5');
    lastSearch = await submitSearch(page);
    const params = searchParams(lastSearch);
    console.log('   sent:', lastSearch.method, lastSearch.method === 'POST' ? lastSearch.body : lastSearch.url);
    assert.ok(JSON.stringify(params.q).includes(word), 'free text q sent');
    assert.ok(params.filter, 'a CQL2 filter sent');
    assert.ok(JSON.stringify(params.filter).includes(JSON.stringify({ property: facet })), 'the filter names the queryable');
    assert.ok(params.sortby, 'sortby sent');
    result = await replay(lastSearch);
    assert.equal(result.numberMatched, most);
    assert.equal(await itemCount(page), most);
    assert.deepEqual(result.features.map((f) => f.id), [...result.features.map((f) => f.id)].sort());
    for (const f of result.features) await expectText(page, f.properties.title || f.id);
  });

  await check(page, 'next page', async () => {
    const next = linksOf(result, 'next')[0];
    assert.ok(next, 'the result has a second page');
    await page.getByRole('button', { name: /Next/ }).or(page.getByRole('link', { name: /Next/ })).first().click();
    for (let i = 0; i < 100 && page.searches[page.searches.length - 1] === lastSearch; i++) await page.waitForTimeout(100);
    await page.waitForLoadState('networkidle');
    const second = await replay(page.searches[page.searches.length - 1]);
    assert.notDeepEqual(second.features.map((f) => f.id), result.features.map((f) => f.id));
    for (const f of second.features) await expectText(page, f.properties.title || f.id);
  });

  await check(page, 'search with a bounding box and a time range', async () => {
    await form(page).getByRole('button', { name: 'Reset' }).click();
    await form(page).getByText('Filter by spatial extent').click();
    const map = form(page).locator('.ol-viewport').first();
    await map.waitFor();
    await map.scrollIntoViewIfNeeded();
    await page.waitForTimeout(1000);  // the map fits its view first
    const box = await map.boundingBox();
    // Two corners drawn on the map (tiles are not loaded: nothing outside the server).
    await page.mouse.click(box.x + box.width * 0.1, box.y + box.height * 0.1);
    await page.waitForTimeout(300);
    await page.mouse.click(box.x + box.width * 0.9, box.y + box.height * 0.9);
    await page.waitForTimeout(300);
    const date = form(page).locator('.mx-datepicker input').first();
    await date.click();
    await date.fill('1950-01-01 00:00:00 ~ 2014-12-31 23:59:59');
    await date.press('Enter');
    await page.keyboard.press('Escape');
    const answersBefore = page.answers.length;
    lastSearch = await submitSearch(page);
    const params = searchParams(lastSearch);
    console.log('   sent:', lastSearch.method === 'POST' ? lastSearch.body : lastSearch.url);
    assert.ok(Array.isArray(params.bbox) && params.bbox.length === 4, 'a bbox sent');
    assert.ok(params.datetime && params.datetime.includes('1950-01-01'), 'a time range sent');
    const found = await replay(lastSearch);
    assert.ok(found.features.length > 0, `the box and range find items: ${JSON.stringify(params)} -> ${found.numberMatched} matched, ${found.features.length} returned`);
    // The items found are listed with their count. After a map drag stac-browser may send
    // the search twice at once: the second waits for the count the first started, so every
    // answer carries numberMatched and the page shows it whichever it keeps.
    for (const f of found.features) await expectText(page, f.properties.title || f.id);
    const answers = page.answers.slice(answersBefore);
    assert.ok(answers.length > 0 && answers.every((n) => n === found.numberMatched),
      `every answer to the search has numberMatched ${found.numberMatched}: ${JSON.stringify(answers)}`);
    assert.equal(await itemCount(page), found.numberMatched);
    for (const f of found.features) await expectText(page, f.properties.title || f.id);
  });

  assert.deepEqual(page.errors, [], 'no script errors');
  await page.close();

  // ---- a sub-catalog as the entry point -------------------------------------------------
  const entry = await openPage(browser);
  const esgfLink = topCatalogs.find((l) => l.title === 'ESGF') || topCatalogs[1];
  const esgf = await api(esgfLink.href);
  await check(entry, 'deep link to a catalog', async () => {
    await entry.goto(base + portalPath(esgfLink.href));
    await heading(entry).waitFor();
    assert.equal((await heading(entry).innerText()).trim(), esgf.title);
    for (const child of linksOf(esgf, 'child')) await expectText(entry, child.title);
  });

  await check(entry, 'search within the catalog', async () => {
    await entry.getByRole('link', { name: 'Search' }).or(entry.getByRole('button', { name: 'Search' })).first().click();
    await entry.waitForURL(base + '/browser/search/' + esgfLink.href.slice(base.length + 1));
    await entry.getByRole('tab', { name: 'Search for Items' }).click();
    await form(entry).locator('input[type=number]').fill('5');
    lastSearch = await submitSearch(entry);
    // The catalog's own search, with only its items.
    assert.equal(new URL(lastSearch.url).pathname, new URL(linksOf(esgf, 'search')[0].href).pathname);
    const found = await replay(lastSearch);
    const scoped = await api(linksOf(esgf, 'search')[0].href + '?limit=1');
    assert.equal(found.numberMatched, scoped.numberMatched);
    assert.ok(found.numberMatched < (await api('/search?limit=1')).numberMatched, 'fewer than at the root');
    assert.equal(await itemCount(entry), found.numberMatched);
    for (const f of found.features) await expectText(entry, f.properties.title || f.id);
  });

  await check(entry, 'back up to the root', async () => {
    await entry.goto(base + portalPath(esgfLink.href));
    await heading(entry).waitFor();
    await entry.getByRole('link', { name: 'Up' }).or(entry.getByRole('button', { name: 'Up' })).first().click();
    await entry.waitForURL(base + '/browser/');
    assert.equal((await heading(entry).innerText()).trim(), landing.title);
  });
  assert.deepEqual(entry.errors, [], 'no script errors');
} finally {
  await browser.close();
}
console.log(failures === 0 ? `portal test: ${step} steps passed` : `portal test: ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
