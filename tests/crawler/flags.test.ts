import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError, parseCrawlFlags, setForCategory } from '../../scripts/crawler/flags.ts';

const NOW = new Date('2026-05-02T10:00:00Z');

test('flags: each source becomes a typed plan', () => {
  assert.deepEqual(parseCrawlFlags(['--source', 'rss', '--category', 'cs.LG,cs.CL'], NOW), {
    source: 'rss',
    categories: ['cs.LG', 'cs.CL'],
    restart: false,
  });
  assert.deepEqual(parseCrawlFlags(['--source', 'oai', '--category', 'cs.LG', '--from', '2026-04-01'], NOW), {
    source: 'oai',
    set: 'cs:cs:LG',
    from: '2026-04-01',
    until: undefined,
    restart: false,
  });
  assert.deepEqual(parseCrawlFlags(['--source', 'api', '--ids', 'arXiv:2405.01234v2,hep-th/9901001'], NOW), {
    source: 'api',
    mode: 'ids',
    ids: ['2405.01234v2', 'hep-th/9901001'],
  });
  const q = parseCrawlFlags(['--source', 'api', '--category', 'cs.LG'], NOW);
  assert.ok(q.source === 'api' && q.mode === 'query' && q.from === '2026-05-01' && q.until === '2026-05-01' && q.pageSize === 100);
});

test('flags: OAI sets from categories', () => {
  assert.equal(setForCategory('cs.LG'), 'cs:cs:LG');
  assert.equal(setForCategory('math.GT'), 'math:math:GT');
  assert.equal(setForCategory('hep-th'), 'physics:hep-th');
  assert.equal(setForCategory('astro-ph.CO'), 'physics:astro-ph:CO');
  assert.equal(setForCategory('cs'), 'cs');
});

test('flags: bad input is a FlagError with a clear message', () => {
  const cases: [string[], RegExp][] = [
    [[], /--source is required/],
    [['--source', 'ftp'], /must be rss, api or oai/],
    [['--source', 'rss'], /needs --category/],
    [['--source', 'rss', '--category', 'cs.LG;rm'], /not an arXiv category/],
    [['--source', 'api', '--ids', '2405.01234,abc'], /not an arXiv id: "abc"/],
    [['--source', 'oai', '--set', 'cs:cs:LG', '--from', '2026-02-30'], /--from must be a date/],
    [['--source', 'oai', '--set', 'cs:cs:LG', '--from', '2026-03-02', '--until', '2026-03-01'], /is after/],
    [['--source', 'api', '--category', 'cs.LG', '--page-size', '0'], /--page-size must be/],
    [['--source', 'oai', '--bogus'], /Unknown option/],
  ];
  for (const [argv, re] of cases) {
    assert.throws(() => parseCrawlFlags(argv, NOW), (e: unknown) => e instanceof FlagError && re.test(e.message), argv.join(' '));
  }
});
