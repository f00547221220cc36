// The "fetching from arXiv…" page: asks the page's JSON twin every
// data-poll-ms until the lookup has ended, then reloads so the server renders
// the paper (or says why there is none). Without JavaScript the page's
// Refresh link does the same by hand.
function start(): void {
  const el = document.querySelector<HTMLElement>('[data-poll]');
  const url = el?.dataset.poll;
  if (!el || !url) return;
  const every = Math.max(500, Number(el.dataset.pollMs) || 1500);
  let tries = 0;
  const tick = async () => {
    tries++;
    try {
      const res = await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' });
      if (res.status !== 202) return location.reload();
    } catch {
      // Our own server unreachable for a moment: keep trying.
    }
    // Slow down after a minute; arXiv may be busy.
    setTimeout(tick, tries > 40 ? every * 4 : every);
  };
  setTimeout(tick, every);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();

export {};
