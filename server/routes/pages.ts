// Mounts every reading page (home, listings, search, paper, reading list,
// feeds, translation API) in the order their URL patterns need:
// /arxiv/search before /arxiv/<category>, ids before categories.
import { Hono } from 'hono';
import type { RouteDeps } from '../app.ts';
import { Translator } from '../translate.ts';
import { translateRoutes } from './translate-api.ts';
import { searchPageRoutes } from './search-page.tsx';
import { paperRoutes } from './paper.tsx';
import { listingRoutes } from './listing.tsx';
import { mathAssetRoutes } from './math-assets.ts';
import { pastedIdRoutes } from './arxiv-ids.ts';
import { multiPaperRoutes } from './multi.tsx';

export function pagesRoutes(deps: RouteDeps): Hono {
  const translator = deps.translator ?? new Translator(deps.db, null);
  const info = translator.info();
  const full = { ...deps, translator, translateInfo: () => info };
  const app = new Hono();
  app.route('/', mathAssetRoutes(deps.math, deps.encoding));
  app.route('/', translateRoutes(full));
  app.route('/', searchPageRoutes(full));
  app.route('/', paperRoutes(full));
  // Before the listings: `arXiv:…` would read as a category selection.
  app.route('/', multiPaperRoutes(full));
  app.route('/', pastedIdRoutes());
  app.route('/', listingRoutes(full));
  return app;
}
