// Makes `navigator.language` a tag Intl accepts before any library reads it.
// Chromium started under LANG=C.UTF-8 reports "en-US@posix", which Intl
// rejects with a RangeError; uPlot builds its number formatter from it when
// its module loads, so a bad tag would stop every demo page. Import this
// module before uplot.

function usable(tag: string): boolean {
  try {
    new Intl.NumberFormat(tag);
    return true;
  } catch {
    return false;
  }
}

/** The reader's language as a valid BCP 47 tag: POSIX modifiers and encodings dropped, else en-US. */
export function safeLanguage(tag: string | undefined): string {
  if (tag && usable(tag)) return tag;
  const base = (tag ?? '').split(/[@.]/)[0].replace(/_/g, '-');
  return base && usable(base) ? base : 'en-US';
}

if (typeof navigator !== 'undefined') {
  const safe = safeLanguage(navigator.language);
  if (safe !== navigator.language) Object.defineProperty(navigator, 'language', { value: safe, configurable: true });
}
