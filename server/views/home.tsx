// The home page: every current arXiv category with its name, grouped by
// group and archive (db/taxonomy.ts), with how many papers the site holds,
// and a picker to read several together or leave some out. Without script
// each category is a checkbox (include); web/pick.ts makes it a tri-state
// (include, exclude, neither) and adds the search over names and codes.
import type { CategoryCount } from '../../db/listings.ts';
import { allCategories, GROUPS, taxArchive, type TaxCategory } from '../../db/taxonomy.ts';
import { Layout } from './layout.tsx';

/** What the home page says about the data: the bundled sample, and the crawler. */
export interface HomeStatus {
  papers: number;
  /** Set while the collection is (still) the bundled sample: its paper count. */
  sample: { papers: number } | null;
  /** One line on the crawler ("crawling cs.LG (RSS)…", "last update 14:02", "offline: …"), or null when none runs. */
  crawler: string | null;
}

interface Row {
  cat: TaxCategory;
  count: CategoryCount | undefined;
}

function CategoryRow({ row }: { row: Row }) {
  const { cat, count } = row;
  const id = `pick-${cat.id.replace(/[^A-Za-z0-9-]/g, '-')}`;
  return (
    <li class="cat-pick" data-pick-row data-search={`${cat.id} ${cat.name} ${cat.aliases.join(' ')}`.toLowerCase()}>
      <input type="checkbox" id={id} name={cat.id} value="in" data-tri />
      <label for={id}>
        <span class="code">{cat.id}</span> <span class="name">{cat.name}</span>
      </label>
      <a class="open" href={`/arxiv/${cat.id}`}>
        {count?.papers ?? 0}
        <span class="sr"> papers: open {cat.id}</span>
        {count?.today != null ? (
          <span class="today">
            {' '}
            · today {count.today} ({count.fresh ?? 0} new)
          </span>
        ) : null}
      </a>
    </li>
  );
}

export function HomePage(props: { day: string | null; counts: CategoryCount[]; searchOn: boolean; status: HomeStatus }) {
  const counts = new Map(props.counts.map((c) => [c.category, c]));
  const s = props.status;
  // Active categories always; a retired one only when the site holds papers filed under it.
  const rows = allCategories()
    .filter((c) => c.active || counts.has(c.id))
    .map((cat) => ({ cat, count: counts.get(cat.id) }));
  return (
    <Layout title="Papers" scripts={['pick']} styles={['pick']}>
      <section class="home-intro">
        <h1>Read arXiv, typeset</h1>
        <p>
          Pick categories to read together, leave some out, or search everything. Formulas arrive typeset; star papers to keep a
          reading list in this browser.
        </p>
        <p class="status" data-status>
          {s.papers.toLocaleString('en')} papers
          {s.sample ? (
            <>
              , of which <strong class="sample">{s.sample.papers.toLocaleString('en')} are a sample</strong> of real arXiv metadata bundled with
              the site, so there is something to read before the first crawl
            </>
          ) : null}
          .{' '}
          {s.crawler ? <span class="crawler">Updates: {s.crawler}</span> : null}
        </p>
        {props.searchOn ? null : <p class="note">Search is not available right now.</p>}
      </section>
      <form class="pick" method="get" action="/arxiv" data-pick>
        <div class="pick-bar">
          <label for="pick-filter" class="sr">
            Find a category
          </label>
          <input type="search" id="pick-filter" placeholder="Find a category: code or name, e.g. graphics or cs.GR" data-pick-filter hidden />
          <button type="submit">Read the chosen categories</button>
        </div>
        <p class="summary">
          Papers held per category
          {props.day ? <>; <strong>today</strong> counts the latest announcement day, {props.day}</> : null}. Tick categories to read
          them together<span data-pick-tri-help hidden> (tick twice to leave one out)</span>, or open one by its count.
        </p>
        {GROUPS.map((g) => {
          const inGroup = rows.filter((r) => r.cat.group === g.id);
          if (!inGroup.length) return null;
          const archives = [...new Set(inGroup.map((r) => r.cat.archive))];
          const held = inGroup.reduce((n, r) => n + (r.count?.papers ?? 0), 0);
          return (
            <details class="group" open={held > 0} data-pick-group>
              <summary>
                <span class="group-name">{g.name}</span> <span class="count">{held.toLocaleString('en')} papers</span>
              </summary>
              {archives.map((a) => {
                const cats = inGroup.filter((r) => r.cat.archive === a);
                const archive = taxArchive(a);
                const multi = cats.length > 1 || cats[0].cat.id !== a;
                return (
                  <fieldset class="archive" data-pick-archive>
                    <legend>
                      {multi ? <a href={`/arxiv/${a}`}>{archive?.name ?? a}</a> : (archive?.name ?? a)}
                    </legend>
                    <ul>
                      {cats.map((r) => (
                        <CategoryRow row={r} />
                      ))}
                    </ul>
                  </fieldset>
                );
              })}
            </details>
          );
        })}
      </form>
    </Layout>
  );
}
