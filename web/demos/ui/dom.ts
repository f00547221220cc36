// Small DOM helpers: read a form, build tables with textContent only (never innerHTML).

export function formValues(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const el of Array.from(form.elements)) {
    const input = el as HTMLInputElement;
    if (!input.name) continue;
    if (input.type === 'radio') {
      if (input.checked) out[input.name] = input.value;
    } else if (input.type === 'checkbox') out[input.name] = input.checked ? 'on' : '';
    else out[input.name] = input.value;
  }
  return out;
}

export function numberField(values: Record<string, string>, name: string, label: string): number {
  const raw = (values[name] ?? '').trim();
  const v = Number(raw);
  if (raw === '' || !Number.isFinite(v)) throw new Error(`${label} must be a number`);
  return v;
}

export function fmt(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) {
    const t = v.toPrecision(digits);
    return t.includes('.') && !t.includes('e') ? t.replace(/0+$/, '').replace(/\.$/, '') : t;
  }
  return v.toExponential(digits - 1).replace(/\.?0+e/, 'e');
}

export function table(caption: string, head: string[], rows: (string | number)[][]): HTMLElement {
  const wrap = document.createElement('div');
  wrap.className = 'demo-tables';
  const t = document.createElement('table');
  t.className = 'demo-table';
  const cap = document.createElement('caption');
  cap.textContent = caption;
  t.append(cap);
  const thead = t.createTHead().insertRow();
  for (const h of head) {
    const th = document.createElement('th');
    th.textContent = h;
    thead.append(th);
  }
  const body = t.createTBody();
  for (const r of rows) {
    const tr = body.insertRow();
    for (const c of r) tr.insertCell().textContent = typeof c === 'number' ? fmt(c) : c;
  }
  wrap.append(t);
  return wrap;
}

export function list(ids: readonly number[]): string {
  return ids.join(', ');
}
