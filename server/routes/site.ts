// Site-wide files browsers and crawlers ask for: /robots.txt, the favicon
// (an SVG, and the same mark as a 16×16 ICO for clients that only ask for
// /favicon.ico) and the OpenSearch description that lets a browser add the
// site's search. Absolute URLs come from deps.origin (PUBLIC_ORIGIN, else our
// end of the socket), never from the Host header.
import { Hono } from 'hono';
import type { RouteDeps } from '../app.ts';
import { EncodedBody } from '../encoding.ts';
import { xmlEscape } from '../views/feed.ts';
import { SITE_NAME } from '../views/layout.tsx';

const DAY = 'public, max-age=86400';

const ROBOTS = [
  'User-agent: *',
  // JSON twins, lazy chunks and feeds duplicate the pages; searches are unbounded.
  'Disallow: /api/',
  'Disallow: /arxiv/search',
  'Disallow: /*/chunk',
  'Allow: /',
  '',
].join('\n');

// The mark: a white page with a folded corner on the site's blue.
const SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1f4e8c"/><path d="M4 3h6l3 3v7H4z" fill="#fff"/><path d="M10 3v3h3" fill="#c9d6ea"/><path d="M6 8h5M6 10h5M6 12h3" stroke="#1f4e8c" stroke-width="1"/></svg>`;

/** The same mark drawn on a 16×16 grid: b blue, w white, f fold, l line. */
const PIXELS = [
  '.bbbbbbbbbbbbbb.',
  'bbbbbbbbbbbbbbbb',
  'bbbbbbbbbbbbbbbb',
  'bbbbwwwwwwfbbbbb',
  'bbbbwwwwwwffbbbb',
  'bbbbwwwwwwfffbbb',
  'bbbbwwwwwwwwwbbb',
  'bbbbwwwwwwwwwbbb',
  'bbbbwwllllllwbbb',
  'bbbbwwwwwwwwwbbb',
  'bbbbwwllllllwbbb',
  'bbbbwwwwwwwwwbbb',
  'bbbbwwllllwwwbbb',
  'bbbbwwwwwwwwwbbb',
  'bbbbbbbbbbbbbbbb',
  '.bbbbbbbbbbbbbb.',
];

const COLOURS: Record<string, [number, number, number, number]> = {
  b: [0x1f, 0x4e, 0x8c, 255],
  w: [255, 255, 255, 255],
  f: [0xc9, 0xd6, 0xea, 255],
  l: [0x1f, 0x4e, 0x8c, 255],
  '.': [0, 0, 0, 0],
};

/** A 16×16 32-bit ICO (one BMP image: header, BGRA rows bottom-up, an all-zero AND mask). */
export function faviconIco(): Uint8Array {
  const size = 16;
  const pixelBytes = size * size * 4;
  const maskBytes = size * 4; // 16 bits per row, padded to 32
  const imageBytes = 40 + pixelBytes + maskBytes;
  const buf = Buffer.alloc(6 + 16 + imageBytes);
  buf.writeUInt16LE(0, 0); // reserved
  buf.writeUInt16LE(1, 2); // icon
  buf.writeUInt16LE(1, 4); // one image
  buf.writeUInt8(size, 6);
  buf.writeUInt8(size, 7);
  buf.writeUInt16LE(1, 10); // planes
  buf.writeUInt16LE(32, 12); // bits per pixel
  buf.writeUInt32LE(imageBytes, 14);
  buf.writeUInt32LE(22, 18); // offset of the image
  const h = 22;
  buf.writeUInt32LE(40, h); // BITMAPINFOHEADER
  buf.writeInt32LE(size, h + 4);
  buf.writeInt32LE(size * 2, h + 8); // XOR and AND bitmaps together
  buf.writeUInt16LE(1, h + 12);
  buf.writeUInt16LE(32, h + 14);
  buf.writeUInt32LE(pixelBytes + maskBytes, h + 20);
  let o = h + 40;
  for (let y = size - 1; y >= 0; y--) {
    for (const ch of PIXELS[y]) {
      const [r, g, b, a] = COLOURS[ch];
      buf[o++] = b;
      buf[o++] = g;
      buf[o++] = r;
      buf[o++] = a;
    }
  }
  return new Uint8Array(buf);
}

/** The OpenSearch 1.1 description of the site's search, with absolute URLs from `origin`. */
export function openSearchXml(origin: string): string {
  const o = xmlEscape(origin);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/">',
    `  <ShortName>${xmlEscape(SITE_NAME)}</ShortName>`,
    '  <Description>Search the arXiv papers this site holds</Description>',
    '  <InputEncoding>UTF-8</InputEncoding>',
    `  <Image height="16" width="16" type="image/x-icon">${o}/favicon.ico</Image>`,
    `  <Url type="text/html" method="get" template="${o}/arxiv/search?query={searchTerms}"/>`,
    `  <Url type="application/atom+xml" method="get" template="${o}/arxiv/search/feed?query={searchTerms}"/>`,
    `  <Url type="application/opensearchdescription+xml" rel="self" template="${o}/opensearch.xml"/>`,
    '</OpenSearchDescription>',
    '',
  ].join('\n');
}

export function siteRoutes(deps: RouteDeps): Hono {
  const app = new Hono();
  const robots = new EncodedBody(ROBOTS, 'text/plain; charset=utf-8');
  const svg = new EncodedBody(SVG, 'image/svg+xml');
  const ico = new EncodedBody(faviconIco(), 'image/x-icon');
  const openSearch = new Map<string, EncodedBody>();

  app.get('/robots.txt', (c) => robots.respond(c, deps.encoding, DAY));
  app.get('/favicon.svg', (c) => svg.respond(c, deps.encoding, DAY));
  app.get('/favicon.ico', (c) => ico.respond(c, deps.encoding, DAY));
  app.get('/opensearch.xml', (c) => {
    const origin = deps.origin(c);
    let body = openSearch.get(origin);
    if (!body) {
      if (openSearch.size > 16) openSearch.clear();
      openSearch.set(origin, (body = new EncodedBody(openSearchXml(origin), 'application/opensearchdescription+xml')));
    }
    return body.respond(c, deps.encoding, DAY);
  });
  return app;
}
