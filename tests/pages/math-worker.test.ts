// The typesetting thread: MathJax away from the request loop, at a lower
// priority, with pages waiting for it at most their budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mathKey, typeset, type Typeset } from '../../server/math/typeset.ts';
import { MathService } from '../../server/math/service.ts';
import { MATH_THREAD_NICE, MathThread, type BackgroundTypesetter, type MathItem, type MathPriority } from '../../server/math/thread.ts';
import { openDb } from '../../db/client.ts';
import { countMathCached, getMathCached } from '../../db/listings.ts';
import { tempDir, threadNices } from '../helpers.ts';
import { ingestBatch } from '../../db/queries.ts';

test('the typesetting thread gives what the loop gives, and runs at a lower priority', async () => {
  const before = threadNices().filter((n) => n === MATH_THREAD_NICE).length;
  const worker = await MathThread.start();
  try {
    const items = [['x^2 + \\alpha', false], ['\\frac{a}{b}', true], ['\\frac{a}{', false], ['\\href{javascript:alert(1)}{x}', false]] as const;
    const results = await worker.typeset(items, 'reader');
    assert.deepEqual(results, items.map(([tex, display]) => typeset(tex, display)));
    // \href is not loaded: it shows as an unknown macro and the rest typesets (noundefined).
    assert.deepEqual(results.map((r) => r.ok), [true, true, false, true]);
    assert.equal(threadNices().filter((n) => n === MATH_THREAD_NICE).length, before + 1, 'one more thread at the lower priority');
  } finally {
    await worker.close();
  }
  await assert.rejects(worker.typeset([['y', false]], 'reader'), /closed/);
  assert.ok(worker.failed);
});

/** A typesetter whose answers are marked, so a test can tell them from MathJax run on the loop. */
class FakeTypesetter implements BackgroundTypesetter {
  asked: string[] = [];
  priorities: MathPriority[] = [];
  failed = false;
  private held: (() => void)[] = [];
  constructor(private hold: boolean) {}
  typeset(items: readonly MathItem[], priority: MathPriority): Promise<Typeset[]> {
    this.asked.push(...items.map(([tex]) => tex));
    this.priorities.push(priority);
    const answer = () => items.map(([tex]) => ({ html: `<span class="math">thread:${tex}</span>`, ok: true }));
    if (!this.hold) return Promise.resolve(answer());
    return new Promise((resolve) => this.held.push(() => resolve(answer())));
  }
  release(): void {
    for (const go of this.held.splice(0)) go();
  }
}

test('with a thread installed, a page waits for its new formulas within the budget and never typesets on the loop', async () => {
  const dir = tempDir();
  const db = openDb(`${dir.path}/p.db`);
  try {
    // Answers in time: the second pass shows them.
    const quick = new FakeTypesetter(false);
    const render = (svc: MathService, text: string, ms?: number) => svc.render((m) => m.html(text), ms).then((r) => r.html);
    let svc = new MathService({ db, thread: quick });
    const html = await render(svc, 'Take $q_{1}$ and $q_{1}$, then $r_{2}$.', 30);
    assert.match(html, /thread:q_\{1\}.*thread:q_\{1\}.*thread:r_\{2\}/);
    assert.doesNotMatch(html, /math-pending|mjx-container/);
    assert.deepEqual(quick.asked, ['q_{1}', 'r_{2}'], 'each new formula asked once');
    // Now in memory: a second page asks for nothing.
    assert.match(await render(svc, 'Again $r_{2}$.', 30), /thread:r_\{2\}/);
    assert.equal(quick.asked.length, 2);
    assert.deepEqual(quick.priorities, ['reader'], 'a page asks at the reader priority');

    // Answers late: the page goes out on time with the source, and the next reader gets the formula.
    const slow = new FakeTypesetter(true);
    svc = new MathService({ db, thread: slow });
    const t = performance.now();
    const late = await render(svc, 'Slow $s_{3}$.', 30);
    const waited = performance.now() - t;
    // At least the budget; at most a bound generous for a loaded machine (the typesetter never answers here).
    assert.ok(waited >= 25 && waited < 10_000, `waited ${waited} ms`);
    assert.match(late, /class="math math-pending notranslate"[^>]*data-tex="s_\{3\}"/);
    // Asked again meanwhile, it is not sent twice.
    assert.match(await render(svc, 'Slow $s_{3}$.', 5), /math-pending/);
    assert.deepEqual(slow.asked, ['s_{3}']);
    slow.release();
    await new Promise((r) => setTimeout(r, 10));
    assert.match(await render(svc, 'Slow $s_{3}$.', 30), /thread:s_\{3\}/);
    // Typeset for pages, so kept in the database too (written by the flush timer).
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(countMathCached(db), 3);

    // A budget of 0 sends the source at once but still has the formula typeset for later.
    svc.setListingBudget(0);
    try {
      assert.match(await render(svc, 'Zero $z_{4}$.'), /math-pending/);
      assert.deepEqual(slow.asked, ['s_{3}', 'z_{4}']);
    } finally {
      svc.setListingBudget(20);
    }

    // /api/math waits for the thread (no budget: the browser asked for this one formula), and keeps it out of the database.
    const asked = svc.forClient('c_{5}', true);
    slow.release();
    const client = await asked;
    assert.equal(client.html, '<span class="math">thread:c_{5}</span>');
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(getMathCached(db, mathKey('c_{5}', true)), null);
    assert.ok(getMathCached(db, mathKey('z_{4}', false)), 'the page formula released with it is kept');

    // A thread that has failed is not waited for: pages typeset on the loop again.
    slow.failed = true;
    const fallback = await render(svc, 'Back $b_{6}$.', 30);
    assert.match(fallback, /mjx-container/);
    assert.ok(!slow.asked.includes('b_{6}'));
  } finally {
    db.sqlite.close();
    dir.cleanup();
  }
});

test("a reader's formulas go ahead of the background fill in the thread's queue", async () => {
  const worker = await MathThread.start();
  try {
    // Two hundred new formulas for the fill (~1 s of MathJax), then one a reader waits for.
    const fill = Array.from({ length: 200 }, (_, i) => [`\\sum_{k=1}^{${i + 1000}} k^{${i % 7}}`, i % 2 === 0] as const);
    const order: string[] = [];
    const filled = worker.typeset(fill, 'fill').then(() => order.push('fill'));
    await new Promise((r) => setTimeout(r, 20));
    const read = worker.typeset([['\\int_0^1 x^{97}\\,dx', false]], 'reader').then((t) => {
      order.push('reader');
      return t;
    });
    const [answer] = await read;
    assert.ok(answer.ok && answer.html.includes('mjx-container'));
    await filled;
    assert.deepEqual(order, ['reader', 'fill'], 'the reader was answered while the fill batch was still running');
  } finally {
    await worker.close();
  }
});

test('with the fill pass running, a page gets its formulas from the thread, not from behind the fill', async () => {
  const dir = tempDir();
  const db = openDb(`${dir.path}/p.db`);
  const math = await MathService.start(db, { thread: true });
  try {
    const papers = Array.from({ length: 60 }, (_, i) => ({
      id: `2611.${String(96000 + i)}`, version: 1, title: `Fill ${i}`,
      abstract: `We bound $\\prod_{j=1}^{${i + 50}} (1 + x_j^{${i % 5}})$ and $\\frac{\\alpha_{${i}}}{\\beta_{${i}}}$ and $\\sqrt[${(i % 3) + 2}]{y_{${i}}}$.`,
      authors: ['T'], categories: ['math.CO'], published: '2026-11-01', updated: null, comments: null, journalRef: null, doi: null, license: null,
    }));
    ingestBatch(db, { papers });
    let fillDone = false;
    const fill = math.fillInBackground().then((n) => {
      fillDone = true;
      return n;
    });
    await new Promise((r) => setTimeout(r, 30));
    const page = await math.render((m) => m.html('A reader opens $\\oint_{\\partial\\Omega} \\omega = 97$.'), 10_000);
    assert.equal(page.pending, 0);
    assert.ok(!fillDone, 'the page was answered before the fill pass ended');
    assert.ok((await fill) >= 150);
  } finally {
    await math.close();
    db.sqlite.close();
    dir.cleanup();
  }
});
