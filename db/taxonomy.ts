// arXiv's taxonomy, built in: groups, archives and categories with their
// names and active flags, from db/taxonomy.json (arXiv's own definitions,
// copied from arxiv-base; see its `source`). Aliases are merged the way arXiv
// merges them (cs.NA ≡ math.NA: one canonical id, the other an alias) and
// retired archives (funct-an, acc-phys, …) fold into their successors, so a
// paper tagged with either is found under the canonical category. Pure data
// and lookups; no I/O after the module loads.
import raw from './taxonomy.json';

interface RawTaxonomy {
  groups: { id: string; full_name: string; is_active: boolean; is_test?: boolean }[];
  archives: { id: string; full_name: string; is_active: boolean; in_group: string }[];
  categories: { id: string; full_name: string; is_active: boolean; in_archive: string }[];
  /** alias -> canonical */
  category_aliases: Record<string, string>;
  /** retired archive -> the category that took it over */
  archives_subsumed: Record<string, string>;
}

export interface TaxGroup {
  /** `grp_cs` */
  id: string;
  /** `Computer Science` */
  name: string;
}

export interface TaxArchive {
  id: string;
  name: string;
  group: string;
  active: boolean;
}

export interface TaxCategory {
  /** The canonical id (`math.NA`, never the alias `cs.NA`). */
  id: string;
  name: string;
  archive: string;
  group: string;
  active: boolean;
  /** Other ids arXiv files the same papers under: aliases and retired archives it took over. */
  aliases: string[];
}

const data = raw as RawTaxonomy;

/** Groups a reader sees (arXiv's test groups left out), in arXiv's order. */
export const GROUPS: readonly TaxGroup[] = data.groups.filter((g) => !g.is_test).map((g) => ({ id: g.id, name: g.full_name }));

const archives = new Map<string, TaxArchive>(
  data.archives.map((a) => [a.id, { id: a.id, name: a.full_name, group: a.in_group, active: a.is_active }]),
);

/** alias or retired id -> canonical category id */
const canonicalOf = new Map<string, string>();
for (const [alias, target] of Object.entries(data.category_aliases)) canonicalOf.set(alias, target);
for (const [old, target] of Object.entries(data.archives_subsumed)) canonicalOf.set(old, target);

const categories = new Map<string, TaxCategory>();
for (const c of data.categories) {
  if (canonicalOf.has(c.id)) continue;
  const archive = archives.get(c.in_archive);
  categories.set(c.id, { id: c.id, name: c.full_name, archive: c.in_archive, group: archive?.group ?? '', active: c.is_active, aliases: [] });
}
for (const [other, target] of canonicalOf) categories.get(target)?.aliases.push(other);

const groupNames = new Map(GROUPS.map((g) => [g.id, g.name]));

/** The canonical id of a category, alias or retired archive (`cs.NA` -> `math.NA`, `funct-an` -> `math.FA`), else the id itself. */
export function canonicalCategory(id: string): string {
  return canonicalOf.get(id) ?? id;
}

/** A category by any of its ids (canonical, alias, retired archive); undefined when arXiv has no such category. */
export function taxCategory(id: string): TaxCategory | undefined {
  return categories.get(canonicalCategory(id));
}

/** An archive (`cs`, `hep-th`, `math`), active or retired. */
export function taxArchive(id: string): TaxArchive | undefined {
  return archives.get(id);
}

/** Every canonical category, in arXiv's order. */
export function allCategories(): TaxCategory[] {
  return [...categories.values()];
}

/** The name of a group id (`grp_cs` -> `Computer Science`). */
export function groupName(id: string): string {
  return groupNames.get(id) ?? 'Other';
}

/** `cs.LG — Machine Learning` for a known category (its canonical id), else the id as given. */
export function categoryLabel(id: string): string {
  const c = taxCategory(id);
  if (c) return `${c.id} — ${c.name}`;
  const a = archives.get(id);
  return a ? `${a.id} — ${a.name}` : id;
}

/** The category's (or archive's) name alone, or null when arXiv has none. */
export function categoryName(id: string): string | null {
  return taxCategory(id)?.name ?? archives.get(id)?.name ?? null;
}

/**
 * Every id a paper may carry that counts as this category: the canonical id,
 * its aliases and the retired archives it took over (`math.FA`: also `funct-an`).
 */
export function categoryIds(id: string): string[] {
  const c = taxCategory(id);
  return c ? [c.id, ...c.aliases] : [id];
}

/**
 * The exact ids an archive covers beyond its own `archive.*` prefix:
 * aliases and retired archives whose canonical category lies in it
 * (`math`: `alg-geom`, `funct-an`, `cs.NA`, …).
 */
export function archiveExtraIds(archive: string): string[] {
  const out: string[] = [];
  for (const c of categories.values()) {
    if (c.archive !== archive) continue;
    for (const a of c.aliases) if (!a.startsWith(`${archive}.`)) out.push(a);
  }
  return out;
}

/** Categories a paper lists, shown as the site shows them: canonical ids, each once, order kept. */
export function displayCategories(ids: readonly string[]): string[] {
  return [...new Set(ids.map(canonicalCategory))];
}

/** Every id the taxonomy knows: canonical categories, their aliases and retired archives, and every archive. */
export function taxonomyIds(): string[] {
  const out = new Set<string>(archives.keys());
  for (const c of categories.values()) {
    out.add(c.id);
    for (const a of c.aliases) out.add(a);
  }
  return [...out];
}

let byLowerCase: Map<string, string> | null = null;

/** The taxonomy's spelling of an id typed in any case (`CS.lg` -> `cs.LG`), or null. */
export function taxonomyIdIgnoringCase(id: string): string | null {
  byLowerCase ??= new Map(taxonomyIds().map((x) => [x.toLowerCase(), x]));
  return byLowerCase.get(id.toLowerCase()) ?? null;
}
