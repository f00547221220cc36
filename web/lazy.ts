// Lazy loading for listing and search pages: when the reader nears the end,
// fetch the next 25 papers as a server-rendered fragment (math already
// typeset) and append it. Without JavaScript the pager's plain links work.
// Configuration comes from the page: nav.pager[data-lazy-next] holds the
// next chunk's URL; each fragment's .chunk[data-next] holds the one after.

function start(): void {
  const pager = document.querySelector<HTMLElement>('nav.pager[data-lazy-next]');
  const list = document.querySelector<HTMLElement>('[data-papers]');
  if (!pager || !list || !('IntersectionObserver' in window)) return;
  let loading = false;

  const observer = new IntersectionObserver(
    (entries) => {
      if (entries.some((e) => e.isIntersecting)) void loadNext();
    },
    { rootMargin: '0px 0px 1200px 0px' },
  );

  async function loadNext(): Promise<void> {
    const url = pager!.dataset.lazyNext;
    if (loading || !url) return;
    loading = true;
    pager!.classList.add('loading');
    try {
      const res = await fetch(url, { headers: { accept: 'text/html' } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const tpl = document.createElement('template');
      tpl.innerHTML = await res.text();
      const chunk = tpl.content.querySelector<HTMLElement>('.chunk');
      if (!chunk) throw new Error('no papers in the answer');
      list!.append(chunk);
      const next = chunk.dataset.next;
      document.dispatchEvent(new CustomEvent('papers:chunk', { detail: { chunk } }));
      if (next) {
        pager!.dataset.lazyNext = next;
        const link = pager!.querySelector<HTMLAnchorElement>('a.next');
        if (link) link.href = next.replace('/chunk?', '?');
      } else {
        observer.disconnect();
        pager!.remove();
      }
    } catch (err) {
      observer.disconnect();
      pager!.dataset.lazyNext = '';
      const note = document.createElement('p');
      note.className = 'note';
      note.textContent = `Could not load more papers (${(err as Error).message}); use the page links instead.`;
      pager!.prepend(note);
    } finally {
      loading = false;
      pager!.classList.remove('loading');
    }
    // A tall screen may still show the pager: keep going until it is out of view.
    if (pager!.isConnected && pager!.dataset.lazyNext) {
      const r = pager!.getBoundingClientRect();
      if (r.top < window.innerHeight + 1200) void loadNext();
    }
  }

  observer.observe(pager);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
export {};
