import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDb } from '../../db/client.ts';
import { ingestBatch } from '../../db/queries.ts';
import { createApp } from '../../server/app.ts';
import type { Paper } from '../../db/paper.ts';
import { tempDir } from '../helpers.ts';

const base: Omit<Paper, 'id'> = {
  version: 2,
  title: 'A title with $x^2$',
  abstract: 'An abstract.',
  authors: ['Ada Lovelace', 'Alan Turing'],
  categories: ['cs.LG', 'stat.ML'],
  published: '2024-05-02',
  updated: '2024-06-01',
  comments: '10 pages',
  journalRef: null,
  doi: '10.1000/xyz',
  license: 'http://creativecommons.org/licenses/by/4.0/',
};

test('/api/papers/:id answers new and old ids, with or without version, and 404s the rest', async () => {
  const dir = tempDir();
  try {
    const db = openDb(join(dir.path, 'papers.db'));
    ingestBatch(db, { papers: [{ ...base, id: '2405.01234' }, { ...base, id: 'math/0601001', categories: ['math.AG'] }] });
    const app = createApp({ db });

    const r = await app.request('/api/papers/2405.01234v2');
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), {
      id: '2405.01234', version: 2, title: 'A title with $x^2$', abstract: 'An abstract.',
      authors: ['Ada Lovelace', 'Alan Turing'], categories: ['cs.LG', 'stat.ML'], primaryCategory: 'cs.LG',
      published: '2024-05-02', updated: '2024-06-01', date: { date: '2024-05-02', precision: 'day', iso: '2024-05-02T00:00:00Z' }, comments: '10 pages', journalRef: null, doi: '10.1000/xyz',
      license: 'http://creativecommons.org/licenses/by/4.0/',
    });
    const old = await app.request('/api/papers/math/0601001');
    assert.equal(old.status, 200);
    assert.equal((await old.json()).primaryCategory, 'math.AG');

    for (const bad of ['/api/papers/2405.99999', '/api/papers/hep-th/9901001', '/api/papers/abc', '/api/papers/%3Cscript%3E']) {
      const res = await app.request(bad);
      assert.equal(res.status, 404, bad);
      assert.match(res.headers.get('content-type') ?? '', /json/);
      assert.ok(typeof (await res.json()).error === 'string');
    }

    const health = await (await app.request('/healthz')).json();
    assert.equal(health.papers, 2);
    assert.ok('crawler' in health);
    db.sqlite.close();
  } finally {
    dir.cleanup();
  }
});

test('every response carries the security headers', async () => {
  const dir = tempDir();
  try {
    const db = openDb(join(dir.path, 'papers.db'));
    const app = createApp({ db });
    for (const path of ['/healthz', '/api/papers/2405.01234', '/nope']) {
      const r = await app.request(path);
      assert.match(r.headers.get('content-security-policy') ?? '', /script-src 'self'/, path);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(r.headers.get('referrer-policy'), 'strict-origin-when-cross-origin');
    }
    db.sqlite.close();
  } finally {
    dir.cleanup();
  }
});

test('oversized addresses and bodies are refused with 4xx before any work', async () => {
  const dir = tempDir();
  try {
    const db = openDb(join(dir.path, 'papers.db'));
    const app = createApp({ db });
    const long = await app.request('/arxiv/search?query=' + 'a'.repeat(20_000));
    assert.equal(long.status, 414);
    assert.match((await long.json()).error, /longer than/);
    const big = await app.request('/api/papers/2405.01234', { method: 'POST', body: 'x'.repeat(300_000), headers: { 'content-length': '300000' } });
    assert.equal(big.status, 413);
    db.sqlite.close();
  } finally {
    dir.cleanup();
  }
});
