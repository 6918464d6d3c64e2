// The live queue: a table kept in step with WatchQueue, filters, and the paper form's registration by code.
import { t, word, formatTime } from '../i18n.js';
import * as feed from '../queue-feed.js';
import { h } from './dom.js';
import { renderPaper } from './paper.js';

window.deskTimings = window.deskTimings ?? {};

const categories = ['APPLICANT_CATEGORY_MANAGER', 'APPLICANT_CATEGORY_DOCTOR', 'APPLICANT_CATEGORY_FAMILY_PHYSICIAN', 'APPLICANT_CATEGORY_INDIVIDUAL'];
const lacksCodes = ['RECEIPT', 'PAPER', 'SECOND_APPROVAL', 'CATEGORY_CONFIRMED', 'NOTHING'];

export function renderQueue(main) {
  const category = h('select', { id: 'filter-category' }, h('option', { value: '' }, t('all')),
    categories.map((c) => h('option', { value: c }, word('categories', c))));
  const lacks = h('select', { id: 'filter-lacks' }, h('option', { value: '' }, t('all')),
    lacksCodes.map((c) => h('option', { value: c }, word('lacksWords', c))));
  const liveState = h('p', { class: 'live', id: 'live-state' });
  const announce = h('div', { class: 'visually-hidden', id: 'queue-announce', 'aria-live': 'polite' });
  const body = h('tbody', { id: 'queue-rows' });
  const empty = h('p', { id: 'queue-empty', hidden: true }, t('emptyQueue'));
  const truncated = h('p', { id: 'queue-truncated', hidden: true });
  const rows = new Map();

  main.append(
    h('h2', { tabindex: '-1' }, t('queueTitle')),
    renderPaper(),
    h('form', { class: 'filters', onsubmit: (e) => e.preventDefault() },
      h('fieldset', {}, h('legend', {}, t('filters')),
        h('div', { class: 'row' },
          h('div', { class: 'field' }, h('label', { for: 'filter-category' }, t('filterCategory')), category),
          h('div', { class: 'field' }, h('label', { for: 'filter-lacks' }, t('filterLacks')), lacks)))),
    liveState, announce,
    h('table', { id: 'queue' },
      h('caption', {}, t('queueCaption')),
      h('thead', {}, h('tr', {}, ['colCode', 'colApplicant', 'colTckn', 'colCategory', 'colMethod', 'colSince', 'colLacks', 'colApprovals']
        .map((c) => h('th', { scope: 'col' }, t(c))))),
      body),
    empty, truncated);

  const shown = (item) =>
    (!category.value || item.category === category.value) &&
    (!lacks.value || (lacks.value === 'NOTHING' ? !(item.lacks ?? []).length : (item.lacks ?? []).includes(lacks.value)));

  const row = (item) => {
    const lacking = item.lacks ?? [];
    return h('tr', { dataset: { applicationId: item.applicationId, code: item.code } },
      h('th', { scope: 'row' }, h('a', { href: `#/application/${encodeURIComponent(item.applicationId)}` }, item.code)),
      h('td', {}, item.applicantName),
      h('td', {}, item.tcknMasked),
      h('td', {}, word('categories', item.category)),
      h('td', {}, word('methods', item.method)),
      h('td', {}, h('time', { datetime: item.queuedAt }, formatTime(item.queuedAt))),
      h('td', { class: 'lacks-cell' }, lacking.length
        ? h('ul', { class: 'lacks' }, lacking.map((l) => h('li', { dataset: { lacks: l } }, word('lacksWords', l))))
        : t('nothingLacking')),
      h('td', {}, `${item.approvals ?? 0} / ${item.approvalsRequired ?? 0}`));
  };

  // One render per burst of changes (a snapshot arrives as many lines in one read).
  let pending = false;
  const render = () => {
    pending = false;
    const visible = feed.ordered().filter(shown);
    const keep = new Set(visible.map((i) => i.applicationId));
    for (const [id, entry] of rows) if (!keep.has(id)) { entry.tr.remove(); rows.delete(id); }
    for (const item of visible) {
      let entry = rows.get(item.applicationId);
      if (!entry || entry.item !== item) {
        const tr = row(item);
        if (entry) entry.tr.replaceWith(tr);
        entry = { item, tr };
        rows.set(item.applicationId, entry);
      }
      body.append(entry.tr);
      if (!(item.applicationId in window.deskTimings)) window.deskTimings[item.applicationId] = performance.timeOrigin + performance.now();
    }
    empty.hidden = visible.length > 0;
    truncated.hidden = feed.omitted() === 0;
    truncated.textContent = t('truncated', feed.omitted());
    const up = feed.feedState() === 'up';
    liveState.textContent = up ? `● ${t('live')}` : t('reconnecting');
    liveState.classList.toggle('down', !up);
  };
  const schedule = () => {
    if (pending) return;
    pending = true;
    queueMicrotask(render);
  };

  category.addEventListener('change', schedule);
  lacks.addEventListener('change', schedule);
  const unsubscribe = feed.subscribe((change) => {
    if (change.kind === 'ADDED' && change.item) announce.textContent = t('added', change.item.code, change.item.applicantName);
    schedule();
  });
  render();
  return unsubscribe;
}
