// Command-line flags of `npm run crawl`, checked into a typed plan. Pure, so
// bad input is tested without spawning anything.
import { parseArgs } from 'node:util';
import { parseArxivId } from '../../db/paper.ts';

export type CrawlPlan =
  | { source: 'rss'; categories: string[]; restart: boolean }
  | { source: 'api'; mode: 'ids'; ids: string[] }
  | {
      source: 'api';
      mode: 'query';
      category: string;
      from: string;
      until: string;
      pageSize: number;
      limit: number | undefined;
      restart: boolean;
    }
  | { source: 'oai'; set: string; from: string | undefined; until: string | undefined; restart: boolean }
  | { source: 'help' };

export const USAGE = `usage: npm run crawl -- --source rss|api|oai [options]
  --source rss  --category cs.LG[,cs.CL...]       daily announcement lists, then API metadata
  --source api  --category cs.LG [--from D] [--until D] [--page-size N] [--limit N]
  --source api  --ids 2405.01234,hep-th/9901001     metadata for these ids
  --source oai  --set cs:cs:LG | --category cs.LG [--from D] [--until D]
  --restart     ignore the saved resume point      (D = YYYY-MM-DD)
  --help        this text`;

export class FlagError extends Error {
  override name = 'FlagError';
}

const CATEGORY = /^[a-z][a-z-]*(\.[A-Za-z-]+)?$/;
const SET = /^[a-z][a-z-]*(:[A-Za-z-]+){0,2}$/;
const PHYSICS_ARCHIVES = new Set([
  'astro-ph', 'cond-mat', 'gr-qc', 'hep-ex', 'hep-lat', 'hep-ph', 'hep-th',
  'math-ph', 'nlin', 'nucl-ex', 'nucl-th', 'physics', 'quant-ph',
]);

/** The OAI-PMH set of a category: `cs.LG` -> `cs:cs:LG`, `hep-th` -> `physics:hep-th`. */
export function setForCategory(category: string): string {
  const [archive, subject] = category.split('.');
  const group = PHYSICS_ARCHIVES.has(archive) ? 'physics' : archive;
  if (group === archive && !subject) return archive;
  return [group, archive, subject].filter(Boolean).join(':');
}

function isoDay(value: string, flag: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const d = m ? new Date(`${value}T00:00:00Z`) : null;
  if (!m || !d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) {
    throw new FlagError(`${flag} must be a date YYYY-MM-DD, got "${value}"`);
  }
  return value;
}

function positive(value: string | undefined, flag: string, fallback: number | undefined, max: number): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new FlagError(`${flag} must be a whole number from 1 to ${max}, got "${value}"`);
  return n;
}

function category(value: string | undefined, source: string): string {
  if (!value) throw new FlagError(`--source ${source} needs --category`);
  if (!CATEGORY.test(value)) throw new FlagError(`not an arXiv category: "${value}"`);
  return value;
}

function yesterday(now: Date): string {
  return new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10);
}

export function parseCrawlFlags(argv: string[], now = new Date()): CrawlPlan {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        source: { type: 'string' },
        category: { type: 'string' },
        set: { type: 'string' },
        from: { type: 'string' },
        until: { type: 'string' },
        ids: { type: 'string' },
        'page-size': { type: 'string' },
        limit: { type: 'string' },
        restart: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new FlagError((err as Error).message.split('\n')[0]);
  }
  if (values.help) return { source: 'help' };
  const from = values.from === undefined ? undefined : isoDay(values.from, '--from');
  const until = values.until === undefined ? undefined : isoDay(values.until, '--until');
  if (from && until && from > until) throw new FlagError(`--from ${from} is after --until ${until}`);
  const restart = values.restart ?? false;
  switch (values.source) {
    case 'rss': {
      const categories = (values.category ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      if (!categories.length) throw new FlagError('--source rss needs --category');
      categories.forEach((c) => category(c, 'rss'));
      return { source: 'rss', categories, restart };
    }
    case 'api': {
      if (values.ids !== undefined) {
        const ids = values.ids.split(',').map((s) => s.trim()).filter(Boolean);
        if (!ids.length) throw new FlagError('--ids needs at least one arXiv id');
        const bad = ids.find((s) => !parseArxivId(s));
        if (bad) throw new FlagError(`not an arXiv id: "${bad}"`);
        return {
          source: 'api',
          mode: 'ids',
          ids: ids.map((s) => {
            const p = parseArxivId(s)!;
            return p.version ? `${p.id}v${p.version}` : p.id;
          }),
        };
      }
      const day = from ?? until ?? yesterday(now);
      return {
        source: 'api',
        mode: 'query',
        category: category(values.category, 'api'),
        from: from ?? day,
        until: until ?? (from ? now.toISOString().slice(0, 10) : day),
        pageSize: positive(values['page-size'], '--page-size', 100, 2000)!,
        limit: positive(values.limit, '--limit', undefined, 10_000_000),
        restart,
      };
    }
    case 'oai': {
      let set = values.set;
      if (set === undefined) set = setForCategory(category(values.category, 'oai'));
      if (!SET.test(set)) throw new FlagError(`not an OAI-PMH set: "${set}"`);
      return { source: 'oai', set, from, until, restart };
    }
    case undefined:
      throw new FlagError('--source is required (rss, api or oai)');
    default:
      throw new FlagError(`--source must be rss, api or oai, got "${values.source}"`);
  }
}
