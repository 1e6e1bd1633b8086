// Drives the DataTier dashboard (/admin/ui) in headless Chromium for DashboardTests: refuses a non-admin key, logs in
// with the admin key, opens every view, screenshots each into OUT_DIR/<view>.png and prints what each view showed as
// JSON on stdout (the test compares it with the admin API). Usage: node drive.mjs BASE_URL OUT_DIR, with the keys in
// DASHBOARD_ADMIN_KEY and DASHBOARD_READER_KEY and the slow statement's marker in DASHBOARD_SLOW_MARKER.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [base, outDir] = process.argv.slice(2);
const { DASHBOARD_ADMIN_KEY: adminKey, DASHBOARD_READER_KEY: readerKey, DASHBOARD_SLOW_MARKER: marker } = process.env;
if (!base || !outDir || !adminKey || !readerKey || !marker) {
  console.error('usage: DASHBOARD_ADMIN_KEY=... DASHBOARD_READER_KEY=... DASHBOARD_SLOW_MARKER=... node drive.mjs BASE_URL OUT_DIR');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  // The tests run as root, where Chromium's sandbox cannot start.
  args: ['--no-sandbox'],
});
const result = { views: {}, charts: {}, problems: [] };
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('pageerror', e => result.problems.push(`page error: ${e.message}`));
  // The refused login's 403 is logged by the browser as a failed resource; anything after it is a problem.
  let refusalSeen = false;
  page.on('console', m => { if (m.type() === 'error' && refusalSeen) result.problems.push(`console: ${m.text()}`); });
  page.on('requestfailed', r => result.problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  // Offline by design: every request the page makes goes to the DataTier server itself (data: URLs aside).
  const origin = new URL(base).origin;
  page.on('request', r => {
    if (!r.url().startsWith('data:') && new URL(r.url()).origin !== origin) result.problems.push(`request to another origin: ${r.url()}`);
  });
  page.setDefaultTimeout(15_000);
  // A short poll so the cache chart gathers samples within the test's time.
  await page.goto(new URL('/admin/ui/?poll=500', base).href);

  // A key without the admin scope is refused, with the server's reason, and nothing is stored.
  await page.fill('#key', readerKey);
  await page.click('#login-form button');
  await page.waitForSelector('#login-error:not([hidden])');
  result.refused = await page.textContent('#login-error');
  refusalSeen = true;
  result.storedAfterRefusal = await page.evaluate(() => sessionStorage.length);
  result.navVisibleAfterRefusal = await page.isVisible('#nav');
  await page.screenshot({ path: join(outDir, 'login-refused.png') });

  await page.fill('#key', adminKey);
  await page.click('#login-form button');
  await page.waitForSelector('main[data-ready="ring"]');
  result.keyInSessionStorage = await page.evaluate(k => Object.keys(sessionStorage).some(n => sessionStorage.getItem(n) === k), adminKey);
  result.keyInLocalStorage = await page.evaluate(k => Object.keys(localStorage).some(n => localStorage.getItem(n) === k), adminKey);

  const open = async view => {
    await page.click(`nav a[data-view="${view}"]`);
    await page.waitForSelector(`main[data-ready="${view}"]`);
  };
  const points = id => page.$eval(`#${id}`, svg => Number(svg.dataset.points));
  const waitPoints = (id, n) => page.waitForFunction(([i, k]) => Number(document.getElementById(i)?.dataset.points) >= k, [id, n], { timeout: 20_000 });
  const started = Date.now();
  const capture = async view => {
    result.views[view] = await page.innerText('main');
    await page.screenshot({ path: join(outDir, `${view}.png`), fullPage: true });
    // On stderr, which the test prints: where the time went.
    console.error(`${view} captured at ${((Date.now() - started) / 1000).toFixed(1)} s`);
  };

  await capture('ring');

  await open('cache');
  // The test sends cached reads meanwhile: seven polls give six intervals on the chart.
  await waitPoints('hit-rate-chart', 6);
  result.charts.hitRate = await points('hit-rate-chart');
  await capture('cache');

  await open('slow');
  result.slowRow = await page.innerText(`#slow-queries tr:has-text("${marker}")`);
  await page.click(`#slow-queries tr:has-text("${marker}")`);
  await page.waitForSelector('#plan');
  result.plan = await page.innerText('#plan');
  // Sorting by a column reorders the rows: the first row after sorting by mean is the slowest statement.
  await page.click('#slow-queries th:has-text("Mean")');
  result.firstByMean = await page.innerText('#slow-queries tbody tr:first-child td:first-child');
  await capture('slow');

  await open('performance');
  await waitPoints('tps-chart', 2);
  result.charts.tps = await points('tps-chart');
  await capture('performance');

  await open('advice');
  await capture('advice');

  await open('rebalance');
  await capture('rebalance');
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(result));
