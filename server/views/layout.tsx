// The page frame every HTML page shares (reading pages, demos, errors).
// Reuse:  c.html(page(<Layout title="…">{body}</Layout>))
// Scripts: /static/site.js is always loaded (stars, copy, translation toggle);
// pass `scripts` for more (each a bundled /static/<name>.js). No inline script:
// the CSP forbids it, configure scripts with data-* attributes instead.
import type { Child } from 'hono/jsx';

export interface LayoutProps {
  title: string;
  children?: Child;
  /** Extra <head> content: meta tags, feed links. */
  head?: Child;
  /** Extra bundled scripts by name, e.g. ['lazy'] for /static/lazy.js. */
  scripts?: string[];
  /** Extra stylesheets by name, e.g. ['uPlot.min'] for /static/uPlot.min.css. */
  styles?: string[];
  /** The query to show in the header's search box. */
  query?: string;
  /** `wide` lets a page (a demo, side-by-side translation) use more width. */
  width?: 'normal' | 'wide';
}

export const SITE_NAME = 'Papers';

export function Layout(props: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title === SITE_NAME ? SITE_NAME : `${props.title} · ${SITE_NAME}`}</title>
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <link rel="search" type="application/opensearchdescription+xml" title={SITE_NAME} href="/opensearch.xml" />
        <link rel="stylesheet" href="/static/site.css" />
        {/* Typeset formulas are MathJax CHTML: its stylesheet and fonts, no MathJax script. */}
        <link rel="stylesheet" href="/math/mathjax.css" />
        {(props.styles ?? []).map((s) => (
          <link rel="stylesheet" href={`/static/${s}.css`} />
        ))}
        {props.head}
        <script type="module" src="/static/site.js"></script>
        <script type="module" src="/static/reader.js"></script>
        {(props.scripts ?? []).map((s) => (
          <script type="module" src={`/static/${s}.js`}></script>
        ))}
      </head>
      <body class={props.width === 'wide' ? 'wide' : undefined}>
        <header class="site">
          <a class="brand" href="/">
            {SITE_NAME}
          </a>
          <form class="search" action="/arxiv/search" method="get" role="search">
            <input type="search" name="query" value={props.query ?? ''} placeholder="Search arXiv papers" aria-label="Search" />
            <button type="submit">Search</button>
          </form>
          <nav>
            <a href="/stars" class="stars-link">
              Reading list <span class="star-count" data-star-count></span>
            </a>
            <a href="/demos">Demos</a>
          </nav>
        </header>
        <main>{props.children}</main>
        <footer class="site">
          Metadata from <a href="https://arxiv.org">arXiv</a>. Formulas typeset on the server; stars stay in your browser.
        </footer>
      </body>
    </html>
  );
}

/** A complete HTML document from a Layout element. */
export function page(el: unknown): string {
  return '<!doctype html>' + String(el);
}
