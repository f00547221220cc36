// The home page's category picker (server/views/home.tsx). Without this
// script each category is a checkbox that includes it; with it a box cycles
// through include, leave out and neither (Cool Papers' tri-state), and a
// search field narrows the list by code or name.
type PickState = 'off' | 'in' | 'out';

const NEXT: Record<PickState, PickState> = { off: 'in', in: 'out', out: 'off' };

function setState(box: HTMLInputElement, state: PickState): void {
  box.dataset.state = state;
  box.checked = state !== 'off';
  box.value = state === 'out' ? 'out' : 'in';
  const row = box.closest<HTMLElement>('[data-pick-row]');
  row?.classList.toggle('included', state === 'in');
  row?.classList.toggle('excluded', state === 'out');
  const label = row?.querySelector<HTMLElement>('.state');
  if (label) label.textContent = state === 'in' ? ' (included)' : state === 'out' ? ' (left out)' : '';
}

function narrow(form: HTMLElement, query: string): void {
  const q = query.trim().toLowerCase();
  for (const row of form.querySelectorAll<HTMLElement>('[data-pick-row]')) {
    row.hidden = !!q && !(row.dataset.search ?? '').includes(q);
  }
  for (const archive of form.querySelectorAll<HTMLElement>('[data-pick-archive]')) {
    archive.hidden = !archive.querySelector('[data-pick-row]:not([hidden])');
  }
  for (const group of form.querySelectorAll<HTMLDetailsElement>('[data-pick-group]')) {
    const any = !!group.querySelector('[data-pick-row]:not([hidden])');
    group.hidden = !any;
    if (q && any) group.open = true;
  }
}

const form = document.querySelector<HTMLFormElement>('[data-pick]');
if (form) {
  for (const help of form.querySelectorAll<HTMLElement>('[data-pick-tri-help]')) help.hidden = false;
  for (const box of form.querySelectorAll<HTMLInputElement>('input[data-tri]')) {
    const label = form.querySelector<HTMLElement>(`label[for="${box.id}"]`);
    if (label && !label.querySelector('.state')) {
      const span = document.createElement('span');
      span.className = 'state';
      label.append(span);
    }
    // A box the browser restored as checked (back navigation) is an include.
    setState(box, box.checked ? (box.value === 'out' ? 'out' : 'in') : 'off');
    box.addEventListener('click', () => setState(box, NEXT[(box.dataset.state as PickState) ?? 'off']));
  }
  const filter = form.querySelector<HTMLInputElement>('[data-pick-filter]');
  if (filter) {
    filter.hidden = false;
    filter.addEventListener('input', () => narrow(form, filter.value));
    // Enter in the search field narrows; it does not submit the picker.
    filter.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') e.preventDefault();
    });
  }
}
