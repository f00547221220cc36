// The reading assistant on a paper page (server/views/faq.tsx): shows a cached
// answer at once, else starts or joins the server's job on a click and shows
// its place in line, then the text as it streams (as plain text: the server
// sends the rendered, typeset HTML when the answer is complete). The job runs
// in the server, so closing the page loses nothing; coming back shows the
// progress or the answer. Also the box for a reader's own question.

interface AnswerJson {
  status: 'none' | 'queued' | 'running' | 'done' | 'error';
  position: number;
  version: number;
  lang: string;
  html?: string;
  model?: string;
  promptVersion?: string;
  createdAt?: string;
  basis?: string;
  partial?: string;
  error?: string;
  prompt?: string;
  previous?: (AnswerJson & { version: number }) | null;
}

/** The elements one answer (the FAQ, or the reader's question) is shown in. */
interface View {
  status: HTMLElement;
  answer: HTMLElement;
  made: HTMLElement;
  previous?: HTMLElement;
}

function setStatus(v: View, text: string, retry?: () => void): void {
  v.status.textContent = text;
  if (retry) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = 'Try again';
    b.className = 'faq-retry';
    b.addEventListener('click', retry);
    v.status.append(' ', b);
  }
}

function madeLine(a: AnswerJson): string {
  const date = a.createdAt ? a.createdAt.slice(0, 10) : '';
  const read = a.basis === 'abstract' ? 'the abstract only (no full text could be had)' : 'the full text';
  return `How this answer was made: model ${a.model ?? '?'}, prompt ${a.promptVersion ?? '?'}, from ${read} of v${a.version}, on ${date}. `;
}

function showMade(el: HTMLElement, a: AnswerJson): void {
  el.textContent = madeLine(a);
  if (a.prompt) {
    const link = document.createElement('a');
    link.href = a.prompt;
    link.textContent = 'Read the prompt';
    el.append(link);
  }
  el.hidden = false;
}

function showDone(v: View, a: AnswerJson): void {
  v.status.textContent = '';
  // Rendered by the server: Markdown without the model's HTML, formulas typeset (server/assistant/render.ts).
  v.answer.innerHTML = a.html ?? '';
  v.answer.classList.remove('streaming');
  showMade(v.made, a);
  if (v.previous) v.previous.hidden = true;
}

function showPrevious(v: View, a: AnswerJson): void {
  if (!v.previous || !a.previous) return;
  const p = a.previous;
  v.previous.hidden = false;
  v.previous.innerHTML = '';
  const note = document.createElement('p');
  note.className = 'note';
  note.textContent = `This answer is for v${p.version}; the paper is now v${a.version}, and a fresh answer is being made.`;
  const body = document.createElement('div');
  body.innerHTML = p.html ?? '';
  const made = document.createElement('p');
  made.className = 'muted';
  showMade(made, p);
  v.previous.append(note, body, made);
}

function positionText(n: number): string {
  return n > 0 ? `Waiting: ${n} ahead of you.` : 'Starting…';
}

/** Follows a job's event stream until it is done or failed. */
function follow(url: string, v: View, retry: () => void, onDone: () => void = () => {}): void {
  const es = new EventSource(url);
  let text = '';
  const paint = () => {
    v.answer.classList.add('streaming');
    v.answer.textContent = text;
  };
  es.addEventListener('state', (ev) => {
    const s = JSON.parse((ev as MessageEvent<string>).data) as AnswerJson;
    if (s.status === 'done') {
      es.close();
      showDone(v, s);
      onDone();
    } else if (s.status === 'error') {
      es.close();
      setStatus(v, `The answer could not be made: ${s.error ?? 'unknown error'}.`, retry);
    } else if (s.status === 'none') {
      es.close();
    } else {
      showPrevious(v, s);
      setStatus(v, s.status === 'queued' ? positionText(s.position) : 'Writing…');
      text = s.partial ?? '';
      if (text) paint();
    }
  });
  es.addEventListener('status', (ev) => {
    const s = JSON.parse((ev as MessageEvent<string>).data) as { status: string; position: number };
    setStatus(v, s.status === 'queued' ? positionText(s.position) : 'Writing…');
  });
  es.addEventListener('delta', (ev) => {
    text += (JSON.parse((ev as MessageEvent<string>).data) as { text: string }).text;
    paint();
  });
  es.addEventListener('reset', (ev) => {
    const r = JSON.parse((ev as MessageEvent<string>).data) as { reason: string };
    text = '';
    paint();
    setStatus(v, `The model service faltered (${r.reason}); starting over…`);
  });
  es.addEventListener('done', (ev) => {
    es.close();
    showDone(v, JSON.parse((ev as MessageEvent<string>).data) as AnswerJson);
    onDone();
  });
  es.addEventListener('error', (ev) => {
    const data = (ev as MessageEvent<string>).data;
    if (typeof data === 'string' && data) {
      // The server's own "error" event: the job failed after its retries.
      es.close();
      const message = (JSON.parse(data) as { message: string }).message;
      v.answer.textContent = '';
      v.answer.classList.remove('streaming');
      setStatus(v, `The answer could not be made: ${message}.`, retry);
    }
    // Otherwise the connection dropped: EventSource reconnects by itself and gets the state again.
  });
}

async function postJson(url: string, body: unknown): Promise<{ ok: boolean; json: AnswerJson & { error?: string } }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { ok: res.ok, json: (await res.json().catch(() => ({ error: `HTTP ${res.status}` }))) as AnswerJson & { error?: string } };
}

function setup(section: HTMLElement): void {
  const id = section.dataset.faq!;
  const base = `/api/faq/${id}`;
  const q = <T extends HTMLElement>(sel: string) => section.querySelector<T>(sel)!;
  const startButton = q<HTMLButtonElement>('[data-faq-start]');
  const langSelect = q<HTMLSelectElement>('[data-faq-lang-select]');
  const askForm = q<HTMLFormElement>('[data-faq-ask]');
  const faq: View = { status: q('[data-faq-status]'), answer: q('[data-faq-answer]'), made: q('[data-faq-made]'), previous: q('[data-faq-previous]') };
  const ask: View = { status: q('[data-faq-ask-status]'), answer: q('[data-faq-ask-answer]'), made: q('[data-faq-ask-made]') };
  const lang = () => langSelect.value || section.dataset.faqLang || 'en';
  const answered = () => {
    startButton.hidden = true;
    askForm.hidden = false;
  };

  const start = async () => {
    startButton.disabled = true;
    faq.answer.textContent = '';
    faq.made.hidden = true;
    setStatus(faq, 'Asking…');
    const { ok, json } = await postJson(`${base}?lang=${lang()}`, {});
    startButton.disabled = false;
    if (!ok) return setStatus(faq, json.error ?? 'The request was refused.');
    if (json.status === 'done') {
      showDone(faq, json as AnswerJson);
      return answered();
    }
    startButton.hidden = true;
    follow(`${base}/events?lang=${lang()}`, faq, start, answered);
  };

  const load = async () => {
    faq.answer.textContent = '';
    faq.made.hidden = true;
    faq.status.textContent = '';
    startButton.hidden = false;
    const res = await fetch(`${base}?lang=${lang()}`);
    if (!res.ok) return;
    const s = (await res.json()) as AnswerJson;
    if (s.status === 'done') {
      showDone(faq, s);
      answered();
    } else if (s.status === 'queued' || s.status === 'running') {
      showPrevious(faq, s);
      startButton.hidden = true;
      follow(`${base}/events?lang=${lang()}`, faq, start, answered);
    } else if (s.status === 'error') {
      setStatus(faq, `The last attempt failed: ${s.error ?? 'unknown error'}.`, start);
    }
  };

  startButton.addEventListener('click', () => void start());
  langSelect.addEventListener('change', () => void load());
  askForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const question = (new FormData(askForm).get('question') ?? '').toString().trim();
    if (question.length < 3) return;
    const again = async () => {
      ask.answer.textContent = '';
      ask.made.hidden = true;
      setStatus(ask, 'Asking…');
      const { ok, json } = await postJson(`${base}/ask`, { question, lang: lang() });
      if (!ok) return setStatus(ask, json.error ?? 'The request was refused.');
      if (json.status === 'done') return showDone(ask, json);
      follow(`${base}/events?lang=${lang()}&q=${encodeURIComponent(question)}`, ask, () => void again());
    };
    void again();
  });
  void load();
}

for (const section of document.querySelectorAll<HTMLElement>('section.faq[data-faq]')) setup(section);
