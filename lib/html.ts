// HTML escaping for every place that writes text into markup. Pure.

/** Unicode bidirectional embeddings, overrides and isolates (U+202A–202E, U+2066–2069): in a title they reorder the rest of the page's line. */
export const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;

/**
 * Text as HTML: `& < > " '` become numeric character references, so the
 * result is safe in elements and quoted attributes; bidi controls are dropped.
 */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'\u202A-\u202E\u2066-\u2069]/g, (ch) => (ch.charCodeAt(0) > 0x7f ? '' : `&#${ch.charCodeAt(0)};`));
}
