// The one place a category selection from a URL is read and matched:
// `/arxiv/cs.AI+cs.LG-cs.CY` (Cool Papers' syntax), `cs.CL,cs.LG-cs.CV`,
// archives (`cs`, `math`), aliases and retired archives (db/taxonomy.ts).
// Every route that takes a category spec goes through CategoryMatcher; the
// SQL in db/listings.ts asks it which stored ids a name covers.
import { archiveExtraIds, canonicalCategory, categoryIds, taxCategory, taxonomyIds } from './taxonomy.ts';

/** A category set from a URL: names to include (a union) and names to leave out. Names are canonical. */
export interface CategorySelection {
  include: string[];
  exclude: string[];
}

/** Which stored `category` values a name covers: exact ids, and `prefix.*` for an archive. */
export interface CategoryCover {
  exact: string[];
  prefix: string | null;
}

/**
 * Reads category specs against arXiv's taxonomy plus whatever categories the
 * database holds (a source may use ids the taxonomy does not list).
 */
export class CategoryMatcher {
  private readonly byLength: string[];

  /** `stored`: every category and archive id the database holds. */
  constructor(private readonly stored: ReadonlySet<string> = new Set()) {
    const names = new Set<string>(stored);
    for (const s of stored) names.add(s.split('.')[0]);
    // The taxonomy's ids are known even when no paper carries them yet.
    for (const id of TAXONOMY_IDS) names.add(id);
    this.byLength = [...names].sort((a, b) => b.length - a.length);
  }

  /** Whether a single name (category, alias, archive) is known, to the taxonomy or the database. */
  isKnown(name: string): boolean {
    return TAXONOMY_IDS.has(name) || this.stored.has(name);
  }

  /**
   * Parses a spec. `+` and `,` join names into the union, `-` leaves the next
   * names out (`,` continues the current side: `a-b,c` leaves out b and c).
   * Names contain `-` themselves (`hep-th`, `cond-mat.mtrl-sci`), so each is
   * the longest known name at its position. Null when any part is unknown or
   * nothing is included. Aliases come back as their canonical ids.
   */
  parse(spec: string): CategorySelection | null {
    const s = spec.replace(/^cat:/, '');
    const include: string[] = [];
    const exclude: string[] = [];
    let i = 0;
    let excluding = false;
    while (i < s.length) {
      const name = this.byLength.find((k) => s.startsWith(k, i) && (i + k.length === s.length || ',+-'.includes(s[i + k.length])));
      if (!name) return null;
      (excluding ? exclude : include).push(canonicalCategory(name));
      i += name.length;
      if (i < s.length) {
        if (s[i] === '-') excluding = true;
        else if (s[i] === '+') excluding = false;
        i++;
        if (i === s.length) return null;
      }
    }
    if (!include.length) return null;
    return { include: [...new Set(include)], exclude: [...new Set(exclude)] };
  }

  /** The stored ids a (canonical) name covers. */
  cover(name: string): CategoryCover {
    if (name.includes('.') || taxCategory(name)) return { exact: categoryIds(name), prefix: null };
    // An archive: itself (hep-th has no subjects), its subjects, and what folded into it.
    return { exact: [name, ...archiveExtraIds(name)], prefix: `${name}.` };
  }

  /** Whether a stored category id falls under a name of the selection. */
  covers(name: string, category: string): boolean {
    const c = this.cover(name);
    return c.exact.includes(category) || (c.prefix !== null && category.startsWith(c.prefix));
  }

  /** SQL condition matching column `col` against the names (any of them); pushes its parameters. */
  sql(col: string, names: readonly string[], params: string[]): string {
    const parts = names.map((n) => {
      const c = this.cover(n);
      params.push(...c.exact);
      const exact = c.exact.length === 1 ? `${col} = ?` : `${col} IN (${c.exact.map(() => '?').join(', ')})`;
      if (!c.prefix) return exact;
      // `prefix.` <= x < `prefix/`: every `archive.subject`, as an index range.
      params.push(c.prefix, `${c.prefix.slice(0, -1)}/`);
      return `(${exact} OR (${col} >= ? AND ${col} < ?))`;
    });
    return `(${parts.join(' OR ')})`;
  }

  /** A readable heading: `cs.AI — Artificial Intelligence + cs.LG — Machine Learning without cs.CY`. */
  static title(sel: CategorySelection, label: (id: string) => string): string {
    return sel.include.map(label).join(' + ') + (sel.exclude.length ? ` without ${sel.exclude.join(', ')}` : '');
  }
}

/** Every id the taxonomy knows: categories, aliases, retired archives, archives. */
const TAXONOMY_IDS: ReadonlySet<string> = new Set(taxonomyIds());
