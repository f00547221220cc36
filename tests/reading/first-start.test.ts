// A first start as a newcomer meets it: server/main.ts (what `npm start`
// runs) on an empty data directory, the crawler on and pointed at an address
// where nothing listens (a machine offline). The bundled sample is imported
// through the normal importer, the home page says so and lists its categories
// by name in Chromium, the crawler's state shows on the home page and at
// /healthz, and the log tells each step. SAMPLE=off starts empty.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, launchChromium, startServer, tempDir, corpusLines } from '../helpers.ts';

async function health(url: string) {
  return (await (await fetch(`${url}/healthz`)).json()) as {
    papers: number;
    sample: { papers: number } | null;
    crawler: { state: string; line: string; sources: { source: string }[] };
  };
}

test('a fresh start imports the sample, shows it with category names, then crawls and says how that goes', async () => {
  const dir = tempDir();
  const deadPort = await freePort();
  const srv = await startServer(
    {
      DATA_DIR: dir.path,
      SAMPLE: 'on',
      CRAWL: 'on',
      ARXIV_CATEGORIES: 'cs.LG,cs.CL',
      ARXIV_RSS_URL: `http://127.0.0.1:${deadPort}/rss`,
      ARXIV_DELAY_MS: '0',
      ARXIV_BACKOFF_MS: '50',
      ARXIV_MAX_ATTEMPTS: '2',
      SEARCH_ENGINE: 'fts5',
    },
    180_000,
  );
  const browser = await launchChromium();
  try {
    const lines = (await corpusLines()).length;
    const h = await health(srv.url);
    assert.equal(h.papers, lines, 'every sample paper is held');
    assert.deepEqual(h.sample, { papers: lines });
    // Counts and states only: no file paths, no raw error text.
    const raw = await (await fetch(`${srv.url}/healthz`)).text();
    assert.doesNotMatch(raw, /\.gz|\/tmp\/|\/work\/|ECONNREFUSED|setKey|lastError/);

    // The offline crawler says so, with the next try, on /healthz and on the home page.
    const deadline = Date.now() + 60_000;
    let state = await health(srv.url);
    while (state.crawler.state !== 'offline' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      state = await health(srv.url);
    }
    assert.equal(state.crawler.state, 'offline');
    assert.match(state.crawler.line, new RegExp(`^offline: cannot reach 127\\.0\\.0\\.1:${deadPort} — next try \\d\\d:\\d\\d UTC$`));

    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(srv.url + '/');
    const status = await page.locator('[data-status]').innerText();
    assert.match(status, new RegExp(`${lines.toLocaleString('en')} are a sample`));
    assert.match(status, /offline: cannot reach 127\.0\.0\.1/);
    // Categories by name, with the sample's counts; the picker narrows by name.
    assert.ok(await page.getByText('Machine Learning', { exact: true }).first().isVisible());
    const lg = page.locator('a.open[href="/arxiv/cs.LG"]');
    assert.ok(Number.parseInt(await lg.innerText(), 10) > 0, 'cs.LG holds sample papers');
    await page.fill('[data-pick-filter]', 'digital libraries');
    assert.ok(await page.locator('label[for="pick-cs-DL"]').isVisible());
    assert.equal(await page.locator('label[for="pick-cs-LG"]').isVisible(), false);
    await page.fill('[data-pick-filter]', '');
    // Tri-state: include cs.AI and cs.LG, leave out cs.CY.
    await page.click('#pick-cs-AI');
    await page.click('#pick-cs-LG');
    await page.click('#pick-cs-CY');
    await page.click('#pick-cs-CY');
    await Promise.all([page.waitForURL(/\/arxiv\/cs\.AI,cs\.LG-cs\.CY$/), page.click('.pick-bar button[type=submit]')]);
    assert.ok((await page.locator('article.paper').count()) > 0, 'the union lists sample papers');
    assert.deepEqual(errors, []);

    // The log: the sample import, the round's start, each retry and each category's result.
    const log = srv.output();
    assert.match(log, /first start: the database is empty; importing the bundled sample/);
    assert.match(log, new RegExp(`first start: sample imported: ${lines} papers`));
    assert.match(log, /crawler: round started: 2 categories \(cs\.LG, cs\.CL\)/);
    assert.match(log, /(crawler|arxiv): .*retry 1\/1/);
    assert.match(log, /crawler: arXiv unreachable \(ECONNREFUSED 127\.0\.0\.1:\d+\)/);
    assert.match(log, /crawler: round finished: 0 categories read, 2 failed \(cannot reach 127\.0\.0\.1:\d+\)/);
    // The sample came in before the crawler started.
    assert.ok(log.indexOf('sample imported') < log.indexOf('round started'));
  } finally {
    await browser.close();
    await srv.stop();
    dir.cleanup();
  }
});

test('SAMPLE=off starts empty; a restart never imports the sample again', async () => {
  const dir = tempDir();
  let srv = await startServer({ DATA_DIR: dir.path, SAMPLE: 'off', SEARCH_ENGINE: 'fts5' });
  try {
    const h = await health(srv.url);
    assert.equal(h.papers, 0);
    assert.equal(h.sample, null);
    assert.equal(h.crawler.state, 'off');
    assert.doesNotMatch(srv.output(), /importing the bundled sample/);
  } finally {
    await srv.stop();
  }
  srv = await startServer({ DATA_DIR: dir.path, SAMPLE: 'on', SEARCH_ENGINE: 'fts5' }, 180_000);
  try {
    const first = (await health(srv.url)).papers;
    assert.ok(first > 0);
    await srv.stop();
    srv = await startServer({ DATA_DIR: dir.path, SAMPLE: 'on', SEARCH_ENGINE: 'fts5' }, 180_000);
    assert.equal((await health(srv.url)).papers, first);
    assert.doesNotMatch(srv.output(), /importing the bundled sample/);
  } finally {
    await srv.stop();
    dir.cleanup();
  }
});
