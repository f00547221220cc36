// OnDemand in process: a client past its budget is served behind scheduled
// work (slowed, not refused); ON_DEMAND=off answers "off" and asks nothing;
// the pages say so with a link to arXiv.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness } from '../crawler/harness.ts';
import { OnDemand } from '../../scripts/crawler/ondemand.ts';
import { createApp } from '../../server/app.ts';

test('past its budget a client waits behind the schedule; readers within theirs go first', async () => {
  const h = await harness({}, { delayMs: 100 });
  try {
    const od = new OnDemand({ db: h.db, client: h.client, apiUrl: h.config.apiUrl, enabled: true, budgetPerHour: 1, notFoundMs: 60_000 });
    // Something already in flight, so the rest queue up.
    const busy = h.client.get(`${h.config.apiUrl}?id_list=0000.0000`, () => 0, 'busy', { priority: 'scheduled' });
    od.lookup(['1605.08386'], 'greedy'); // within budget: reader
    od.lookup(['1707.08567'], 'greedy'); // past it: backfill
    const crawl = h.client.get(`${h.config.apiUrl}?id_list=0000.0000`, () => 0, 'crawl', { priority: 'scheduled' });
    od.lookup(['astro-ph/0601001'], 'polite'); // another client, within budget: reader
    assert.deepEqual(h.client.queued(), { reader: 2, scheduled: 1, backfill: 1 });
    await Promise.all([busy, crawl, od.settled('1605.08386'), od.settled('1707.08567'), od.settled('astro-ph/0601001')]);
    const order = h.server.requests.map((r) => r.params.id_list);
    assert.deepEqual(order, ['0000.0000', '1605.08386', 'astro-ph/0601001', '0000.0000', '1707.08567']);
    assert.equal(od.lookup(['1707.08567'], 'greedy').size, 1);
  } finally {
    await h.close();
  }
});

test('ON_DEMAND=off: no lookup, a 404 page and JSON that link to arxiv.org', async () => {
  const h = await harness();
  try {
    const onDemand = new OnDemand({ db: h.db, client: h.client, apiUrl: h.config.apiUrl, enabled: false, budgetPerHour: 10, notFoundMs: 1 });
    const app = createApp({ db: h.db, onDemand });
    const page = await app.request('/arxiv/1605.08386');
    assert.equal(page.status, 404);
    const html = await page.text();
    assert.ok(html.includes('href="https://arxiv.org/abs/1605.08386"'));
    assert.match(html, /looking papers up at arXiv is turned off/);
    const json = await app.request('/api/arxiv/1605.08386');
    assert.equal(json.status, 404);
    assert.equal(((await json.json()) as { status: string }).status, 'off');
    assert.equal(h.server.requests.length, 0, 'arXiv never asked');
  } finally {
    await h.close();
  }
});
