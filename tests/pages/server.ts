// An in-process server for page tests: the real app, real bundles, a real
// SQLite file and the real MiniSearch engine, on 127.0.0.1.
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Db } from '../../db/client.ts';
import { createApp } from '../../server/app.ts';
import { buildAssets } from '../../server/assets.ts';
import { MiniSearchEngine } from '../../search/minisearch.ts';
import { translatorFromEnv } from '../../server/translate.ts';
import { MathService } from '../../server/math/service.ts';

export interface PagesServer {
  url: string;
  /** The app's typesetting (no thread, like MATH_WORKER=off), so a test can change its budget. */
  math: MathService;
  /** The engine the app searches with (absent with `search: false`), so a test can sync rows it wrote. */
  search?: MiniSearchEngine;
  close: () => Promise<void>;
}

export async function startPagesServer(
  db: Db,
  opts: { search?: boolean; env?: Record<string, string | undefined>; adminToken?: string } = {},
): Promise<PagesServer> {
  const search = opts.search === false ? undefined : MiniSearchEngine.build(db);
  const assets = await buildAssets();
  const translator = translatorFromEnv(db, opts.env ?? {});
  const math = new MathService({ db });
  const app = createApp({ db, search, assets, translator, adminToken: opts.adminToken, math });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    math,
    search,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
