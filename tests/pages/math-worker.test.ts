// The typesetting thread: MathJax away from the request loop, at a lower
// priority, with pages waiting for it at most their budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  mathHtml,
  mathKey,
  renderWithMath,
  setMathBudget,
  typeset,
  typesetForClient,
  useBackgroundTypesetter,
  type BackgroundTypesetter,
  type Typeset,
} from '../../server/math.ts';
import { MATH_THREAD_NICE, MathWorker } from '../../server/math-worker.ts';
import { openDb } from '../../db/client.ts';
import { countMathCached, getMathCached } from '../../db/listings.ts';
import { tempDir, threadNices } from '../helpers.ts';

test('the typesetting thread gives what the loop gives, and runs at a lower priority', async () => {
  const before = threadNices().filter((n) => n === MATH_THREAD_NICE).length;
  const worker = await MathWorker.start();
  try {
    const items = [['x^2 + \\alpha', false], ['\\frac{a}{b}', true], ['\\frac{a}{', false], ['\\href{javascript:alert(1)}{x}', false]] as const;
    const results = await worker.typeset(items);
    assert.deepEqual(results, items.map(([tex, display]) => typeset(tex, display)));
    assert.deepEqual(results.map((r) => r.ok), [true, true, false, false]);
    assert.equal(threadNices().filter((n) => n === MATH_THREAD_NICE).length, before + 1, 'one more thread at the lower priority');
  } finally {
    await worker.close();
  }
  await assert.rejects(worker.typeset([['y', false]]), /closed/);
  assert.ok(worker.failed);
});

/** A typesetter whose answers are marked, so a test can tell them from MathJax run on the loop. */
class FakeTypesetter implements BackgroundTypesetter {
  asked: string[] = [];
  failed = false;
  private held: (() => void)[] = [];
  constructor(private hold: boolean) {}
  typeset(items: readonly (readonly [string, boolean])[]): Promise<Typeset[]> {
    this.asked.push(...items.map(([tex]) => tex));
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
    useBackgroundTypesetter(quick, db);
    const html = await renderWithMath(() => mathHtml('Take $q_{1}$ and $q_{1}$, then $r_{2}$.', db), 30);
    assert.match(html, /thread:q_\{1\}.*thread:q_\{1\}.*thread:r_\{2\}/);
    assert.doesNotMatch(html, /math-pending|mjx-container/);
    assert.deepEqual(quick.asked, ['q_{1}', 'r_{2}'], 'each new formula asked once');
    // Now in memory: a second page asks for nothing.
    assert.match(await renderWithMath(() => mathHtml('Again $r_{2}$.', db), 30), /thread:r_\{2\}/);
    assert.equal(quick.asked.length, 2);

    // Answers late: the page goes out on time with the source, and the next reader gets the formula.
    const slow = new FakeTypesetter(true);
    useBackgroundTypesetter(slow, db);
    const t = performance.now();
    const late = await renderWithMath(() => mathHtml('Slow $s_{3}$.', db), 30);
    const waited = performance.now() - t;
    assert.ok(waited >= 25 && waited < 1000, `waited ${waited} ms`);
    assert.match(late, /class="math math-pending notranslate"[^>]*data-tex="s_\{3\}"/);
    // Asked again meanwhile, it is not sent twice.
    assert.match(await renderWithMath(() => mathHtml('Slow $s_{3}$.', db), 5), /math-pending/);
    assert.deepEqual(slow.asked, ['s_{3}']);
    slow.release();
    await new Promise((r) => setTimeout(r, 10));
    assert.match(await renderWithMath(() => mathHtml('Slow $s_{3}$.', db), 30), /thread:s_\{3\}/);
    // Typeset for pages, so kept in the database too (written by the flush timer).
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(countMathCached(db), 3);

    // A budget of 0 sends the source at once but still has the formula typeset for later.
    setMathBudget(0);
    try {
      assert.match(await renderWithMath(() => mathHtml('Zero $z_{4}$.', db)), /math-pending/);
      assert.deepEqual(slow.asked, ['s_{3}', 'z_{4}']);
    } finally {
      setMathBudget(20);
    }

    // /api/math waits for the thread (no budget: the browser asked for this one formula), and keeps it out of the database.
    const asked = typesetForClient('c_{5}', true, db);
    slow.release();
    const client = await asked;
    assert.equal(client.html, '<span class="math">thread:c_{5}</span>');
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(getMathCached(db, mathKey('c_{5}', true)), null);
    assert.ok(getMathCached(db, mathKey('z_{4}', false)), 'the page formula released with it is kept');

    // A thread that has failed is not waited for: pages typeset on the loop again.
    slow.failed = true;
    const fallback = await renderWithMath(() => mathHtml('Back $b_{6}$.', db), 30);
    assert.match(fallback, /mjx-container/);
    assert.ok(!slow.asked.includes('b_{6}'));
  } finally {
    useBackgroundTypesetter(null);
    db.sqlite.close();
    dir.cleanup();
  }
});
