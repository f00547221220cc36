// HTML escaping for every place that writes text into markup. Pure.

/** Text as HTML: `& < > " '` become numeric character references, so the result is safe in elements and quoted attributes. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
