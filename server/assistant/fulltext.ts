// What the assistant reads: the full text the crawler fetches
// (scripts/crawler/fulltext.ts: arXiv's HTML version, else the PDF's text),
// handed in by the server as a function so tests and deployments without it
// still work (the abstract then stands in, and the answer says so).
import type { FullTextResult } from '../../scripts/crawler/fulltext.ts';

export type { FullTextResult, FullTextSection } from '../../scripts/crawler/fulltext.ts';

/** Fetches the text of one version of a paper; never throws (fetchFullText's contract). */
export type FullTextFetch = (id: string, version: number) => Promise<FullTextResult>;
