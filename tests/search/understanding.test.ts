// How the search understands what readers type, on a real server per engine
// over hand-made papers where the right answer is certain: typed errors (only
// query mistakes are 400s; no hostile query is a 500), nested negations,
// compounds in their spaced, hyphenated and closed forms, accents written in
// TeX, suggestions for typos and the hint for a query in a script the index
// does not hold.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { openDb, type Db } from '../../db/client.ts';
import { ingestBatch } from '../../db/queries.ts';
import type { Paper } from '../../db/paper.ts';
import { startServer, tempDir, type RunningServer } from '../helpers.ts';
import { startStubLlm, type StubLlm } from '../pages/stub-llm.ts';

type Engine = 'minisearch' | 'fts5';
const ENGINES: Engine[] = ['minisearch', 'fts5'];

let n = 0;
function paper(title: string, abstract: string, extra: Partial<Paper> = {}): Paper {
  n++;
  return {
    id: `2501.${String(10000 + n)}`, version: 1, title, abstract, authors: ['Ada Tester'], categories: ['cs.LG'],
    published: `2025-01-${String((n % 28) + 1).padStart(2, '0')}`, updated: null, comments: null, journalRef: null, doi: null, license: null,
    ...extra,
  };
}

/** Papers keyed by a short name, so a test says which paper it expects. */
const PAPERS = {
  alpha: paper('Alpha particles in a paper detector', 'We study alpha decay with a paper detector.'),
  beta: paper('Beta rays and a paper shield', 'A paper on beta radiation shielding.'),
  gamma: paper('Gamma bursts', 'A paper about gamma ray bursts, with neither of the other rays.'),
  oodHyphen: paper('Out-of-distribution detection for classifiers', 'We detect out-of-distribution inputs to image classifiers.'),
  oodSpaced: paper('Detecting inputs out of distribution', 'Classifiers meet inputs out of distribution at test time.'),
  distOnly: paper('Distribution shift in classifiers', 'The input distribution moves; we measure the shift of the distribution.'),
  preHyphen: paper('Pre-trained encoders for retrieval', 'Pre-trained encoders retrieve passages.'),
  preClosed: paper('Pretrained encoders for ranking', 'Pretrained encoders rank passages.'),
  preSpaced: paper('Pre trained encoders for search', 'Encoders that are pre trained search passages.'),
  trainedOnly: paper('Encoders trained from scratch', 'Encoders trained on passages, with no earlier stage.'),
  fineHyphen: paper('Fine-tuning language models cheaply', 'Fine-tuning adapts language models.'),
  fineClosed: paper('Finetuning language models with adapters', 'Finetuning with adapters adapts language models.'),
  offPolicy: paper('Off-policy evaluation of bandits', 'Off-policy estimators for contextual bandits.'),
  overSmoothing: paper('Over-smoothing in deep graph networks', 'Stacked layers make node features over-smoothed.'),
  onPolicy: paper('Policy gradients for bandits', 'A policy gradient method for contextual bandits.'),
  soa: paper('A state-of-the-art parser', 'Our parser reaches state of the art accuracy.'),
  stateArt: paper('The state of modern art', 'Art museums and the state funding of art.'),
  rl1: paper('Reinforcement learning for robots', 'Reinforcement learning trains robot controllers.'),
  rl2: paper('Deep reinforcement learning', 'Deep reinforcement learning with transformers.'),
  tr: paper('Transformer language models', 'A transformer architecture for language.'),
  // Accents in TeX, in the forms arXiv metadata has them; and the same words in Unicode.
  // Authors are stored with their accents in Unicode already (db/paper.ts splitAuthors); titles and abstracts keep TeX.
  kahlerTex: paper(String.raw`K\"ahler manifolds and the Schr\"{o}dinger equation`, String.raw`On K\"{a}hler metrics, after Erd\H{o}s and \v{C}ech.`),
  kahlerUnicode: paper('Kähler geometry', 'Kähler metrics and the Schrödinger operator, after Erdős.'),
  // Other TeX commands are no words: `$\times$` is not "times", `$M_{\star}$` not "star".
  texCommands: paper(String.raw`Dwarf galaxies sampled 1.5$\times$ faster`, String.raw`Galaxies of mass $M_{\star}$, with rates $\propto \sim 10^{3}$ in \emph{fewer} steps.`),
};
// Enough papers that the right spellings are common words of this index.
const MORE = Array.from({ length: 6 }, (_, i) =>
  paper(`Reinforcement learning with a transformer, part ${i + 1}`, `A transformer policy trained by reinforcement learning on task ${i + 1}.`),
);

let dir: ReturnType<typeof tempDir>;
let db: Db;
const servers = {} as Record<Engine, RunningServer>;
let llm: StubLlm;

before(async () => {
  dir = tempDir('search-understanding-');
  db = openDb(join(dir.path, 'papers.db'));
  ingestBatch(db, { papers: [...Object.values(PAPERS), ...MORE] });
  llm = await startStubLlm();
  // The minisearch server has a translation service (a local stub); the fts5 server has none.
  [servers.minisearch, servers.fts5] = await Promise.all([
    startServer({ DATA_DIR: dir.path, SEARCH_ENGINE: 'minisearch', TRANSLATE_API_URL: llm.url }, 120_000),
    startServer({ DATA_DIR: dir.path, SEARCH_ENGINE: 'fts5' }, 120_000),
  ]);
});

after(async () => {
  await Promise.all(Object.values(servers).map((s) => s?.stop()));
  await llm?.close();
  db?.sqlite.close();
  dir?.cleanup();
});

interface Answer {
  status: number;
  body: { total: number; results: { id: string }[]; error?: string; suggestion?: string | null; hint?: string | null; translatedQuery?: string | null };
}

async function search(engine: Engine, q: string, extra = ''): Promise<Answer> {
  const res = await fetch(`${servers[engine].url}/api/search?q=${encodeURIComponent(q)}&size=100${extra}`);
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

const idsOf = (a: Answer) => a.body.results.map((r) => r.id);
const names = (a: Answer) => {
  const byId = new Map(Object.entries(PAPERS).map(([k, p]) => [p.id, k]));
  return idsOf(a).map((id) => byId.get(id) ?? id);
};

for (const engine of ENGINES) {
  test(`${engine}: an excluded group of exclusions is an OR (paper -(-alpha -beta))`, async () => {
    const r = await search(engine, 'paper -(-alpha -beta)');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(names(r).sort(), ['alpha', 'beta']);
    assert.deepEqual(idsOf(r).sort(), idsOf(await search(engine, 'paper (alpha OR beta)')).sort());
    assert.deepEqual(names(await search(engine, 'paper -(-alpha -beta -gamma)')).sort(), ['alpha', 'beta', 'gamma']);
    // -(-alpha -(-beta -gamma)) = -(-alpha (beta OR gamma)) = alpha OR -(beta OR gamma): of the
    // papers with "paper", alpha, and those with neither beta nor gamma (none).
    const deeper = await search(engine, 'paper -(-alpha -(-beta -gamma))');
    assert.equal(deeper.status, 200, JSON.stringify(deeper.body));
    assert.deepEqual(names(deeper), ['alpha']);
    const alone = await search(engine, '-(-alpha -beta)');
    assert.deepEqual(names(alone).sort(), ['alpha', 'beta']);
  });

  test(`${engine}: query mistakes are 400s with a message; no hostile query is a 500`, async () => {
    for (const q of ['"open quote', 'a ) b', '( a', 'year:20x', 'cat:!!', '(-alpha) OR beta', 'from:2024-13']) {
      const r = await search(engine, q);
      assert.equal(r.status, 400, q);
      assert.ok(r.body.error && !/toFts5|TypeError|undefined/.test(r.body.error), `${q}: ${r.body.error}`);
    }
    const pieces = [
      'paper', 'alpha', 'beta', 'out-of-distribution', 'pre-trained', 'state-of-the-art', 'the', 'of', 'OR', 'AND', 'NOT',
      '-', '--', '(', ')', '-(', '"', "'", '\\', '\\\'', '$', '$x$', '*', ':', 'ti:', 'abs:', 'au:', 'cat:', 'cat:cs.LG', 'cat:cs',
      '-cat:cs', 'year:', 'year:2025', 'from:', 'from:2025-01', 'to:2025-02-30', '2501.10001', 'arXiv:2501.10002v3',
      'https://arxiv.org/abs/2501.10003', 'hep-th/9901001', '强化学习', 'ü', 'İ', '🙂', '\u0000', '\u200b', 'a.b.c', '3.5', '-1',
    ];
    const query = fc.array(fc.tuple(fc.constantFrom(...pieces), fc.constantFrom('', ' ', '  ')), { minLength: 1, maxLength: 12 })
      .map((parts) => parts.map(([p, sep]) => p + sep).join(''));
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        const r = await search(engine, q, '&size=5');
        assert.ok(r.status === 200 || r.status === 400, `${JSON.stringify(q)} -> ${r.status} ${JSON.stringify(r.body)}`);
        if (r.status === 400) assert.ok(r.body.error && r.body.error.length < 200, JSON.stringify(r.body));
      }),
      { numRuns: 400, seed: 16 },
    );
    // The HTML page and the feed answer the same way.
    for (const path of ['/arxiv/search?query=', '/arxiv/search/feed?query=', '/api/arxiv/search?query=']) {
      const ok = await fetch(`${servers[engine].url}${path}${encodeURIComponent('paper -(-alpha -beta)')}`);
      assert.equal(ok.status, 200, path);
      const bad = await fetch(`${servers[engine].url}${path}${encodeURIComponent('"open quote')}`);
      assert.equal(bad.status, 400, path);
    }
  });
}

for (const engine of ENGINES) {
  test(`${engine}: a word whose accent is written in TeX is one word, as if written in Unicode`, async () => {
    const set = async (q: string) => names(await search(engine, q)).sort();
    // unicode61 alone splits K\"ahler into "k" and "ahler": the fts5 engine missed these.
    for (const q of ['kahler', 'Kähler', 'schrodinger', 'kahler metrics', 'erdos', 'ti:kahler']) {
      assert.deepEqual(await set(q), ['kahlerTex', 'kahlerUnicode'], q);
    }
    assert.deepEqual(await set('cech'), ['kahlerTex']);
    // The letter is no word of its own.
    assert.deepEqual(await set('ahler'), []);
    // A command name is no word at all (the fts5 engine indexed them as words): "times" finds only a paper with the word "time".
    assert.deepEqual(await set('times'), ['oodSpaced']);
    for (const q of ['star', 'propto', 'sim', 'emph', 'ti:times', 'abs:star']) assert.deepEqual(await set(q), [], q);
    assert.deepEqual(await set('dwarf galaxies faster'), ['texCommands']);
  });

  test(`${engine}: a compound is matched whole, stop-word parts kept, in its spaced, hyphenated and closed forms`, async () => {
    const set = async (q: string) => names(await search(engine, q)).sort();
    // out-of-distribution is not "distribution": the paper that only has the word is not found.
    assert.deepEqual(await set('out-of-distribution'), ['oodHyphen', 'oodSpaced']);
    assert.deepEqual(await set('"out of distribution"'), ['oodHyphen', 'oodSpaced']);
    assert.ok((await set('distribution')).includes('distOnly'));
    assert.deepEqual(await set('off-policy'), ['offPolicy']);
    // A closed word whose first part is a particle, a stop word that minisearch does not index, finds the hyphenated spelling.
    assert.deepEqual(await set('oversmoothing'), ['overSmoothing']);
    assert.deepEqual(await set('oversmoothing deep graph'), ['overSmoothing']);
    assert.deepEqual(await set('"state of the art"'), ['soa']);
    assert.deepEqual(await set('state-of-the-art'), ['soa']);
    // All three spellings find all three papers, and the paper with "trained" alone is not among them.
    for (const q of ['pre-trained', 'pretrained', 'pre trained', '"pre trained"']) {
      const found = await set(`${q} encoders`);
      for (const want of ['preHyphen', 'preClosed', 'preSpaced']) assert.ok(found.includes(want), `${q}: ${found}`);
      if (q !== 'pre trained') assert.ok(!found.includes('trainedOnly'), `${q}: ${found}`);
    }
    for (const q of ['fine-tuning', 'finetuning', 'fine tuning']) assert.deepEqual(await set(q), ['fineClosed', 'fineHyphen'], q);
    // An excluded compound excludes the hyphenated and spaced spellings.
    assert.deepEqual(await set('classifiers -out-of-distribution'), ['distOnly']);
  });
}

for (const engine of ENGINES) {
  test(`${engine}: typos get a "did you mean" from the index's vocabulary; a query in Chinese gets a hint`, async () => {
    const typo = await search(engine, 'reinforcment lerning');
    assert.equal(typo.status, 200);
    assert.equal(typo.body.suggestion, 'reinforcement learning');
    assert.equal((await search(engine, 'transfomer')).body.suggestion, 'transformer');
    // Case and the rest of the query are kept.
    assert.equal((await search(engine, 'Transfomer -survey')).body.suggestion, 'transformer -survey');
    const fine = await search(engine, 'reinforcement learning');
    assert.ok(fine.body.total >= 8);
    assert.equal(fine.body.suggestion, null);
    assert.equal(fine.body.hint, null);
    // The suggestion finds what the typo missed.
    assert.ok((await search(engine, typo.body.suggestion!)).body.total >= 8);
    const page = await (await fetch(`${servers[engine].url}/arxiv/search?query=${encodeURIComponent('reinforcment lerning')}`)).text();
    assert.match(page, /Did you mean <a href="\/arxiv\/search\?query=reinforcement\+learning"[^>]*>reinforcement learning<\/a>\?/);
    const twin = (await (await fetch(`${servers[engine].url}/api/arxiv/search?query=transfomer`)).json()) as { suggestion: string };
    assert.equal(twin.suggestion, 'transformer');

    const zh = await search(engine, '强化学习');
    assert.equal(zh.status, 200);
    assert.equal(zh.body.total, 0);
    assert.match(String(zh.body.hint), /English/);
    assert.match(String(zh.body.hint), /Chinese/);
    const zhPage = await (await fetch(`${servers[engine].url}/arxiv/search?query=${encodeURIComponent('强化学习')}`)).text();
    assert.match(zhPage, /class="hint"[^>]*>The index holds papers in English/);
    const mixed = await search(engine, '强化学习 learning');
    if (engine === 'minisearch') {
      // Translation configured (the stub upper-cases Latin words): the translated query is offered, as a link on the page.
      assert.equal(mixed.body.translatedQuery, '强化学习 LEARNING');
      assert.ok(llm.requests.some((r) => r.texts.includes('强化学习 learning')));
      const p = await (await fetch(`${servers[engine].url}/arxiv/search?query=${encodeURIComponent('强化学习 learning')}`)).text();
      assert.ok(p.includes(`href="/arxiv/search?query=${encodeURIComponent('强化学习 LEARNING').replace(/%20/g, '+')}"`), 'link to the translated query');
    } else {
      assert.equal(mixed.body.translatedQuery, null);
    }
  });
}

test('compound splits: suffixes never split a word, particles may start a compound', async () => {
  const { splitCandidates } = await import('../../search/compounds.ts');
  const has = (w: string, a: string, b: string) => splitCandidates(w).some(([x, y]) => x === a && y === b);
  assert.ok(has('pretrained', 'pre', 'trained') && has('finetuning', 'fine', 'tuning') && has('oversmoothing', 'over', 'smoothing'));
  assert.ok(!has('training', 'train', 'ing') && !has('notable', 'not', 'able'));
});
