// What the assistant reads: the full text the crawler fetches
// (scripts/crawler/fulltext.ts, issue 14), handed in by the server as a
// function so tests and deployments without it still work (the abstract then
// stands in, and the page says so).

/** One section of a paper's body, as the full-text fetch splits it. */
export interface FullTextSection {
  title: string;
  text: string;
}

/** The full-text fetch's answer; it never throws. */
export type FullTextResult =
  | { status: 'ok'; source: string; text: string; sections: FullTextSection[] }
  | { status: 'absent' | 'error'; reason: string };

/** Fetches the text of one version of a paper. */
export type FullTextFetch = (id: string, version: number) => Promise<FullTextResult>;
