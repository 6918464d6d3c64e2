// The directorate's expiring certificates (ListExpiring), nearest first as the server pages them.
import { t, word, formatTime } from '../i18n.js';
import { get } from '../api.js';
import { fail } from '../messages.js';
import { h } from './dom.js';

export function renderExpiring(main) {
  let alive = true;
  let cursor = '';
  const days = h('input', { id: 'within-days', type: 'number', min: '1', max: '365', value: '90', inputmode: 'numeric' });
  const caption = h('caption', {});
  const body = h('tbody', { id: 'expiring-rows' });
  const more = h('button', { type: 'button', id: 'expiring-more', class: 'secondary', hidden: true }, t('more'));
  const form = h('form', {}, h('div', { class: 'row' },
    h('div', { class: 'field' }, h('label', { for: 'within-days' }, t('withinDays')), days),
    h('div', { class: 'field' }, h('button', { type: 'submit' }, t('show')))));

  const load = async (fresh) => {
    try {
      const query = { withinDays: days.value || '90', 'page.pageSize': '100' };
      if (!fresh && cursor) query['page.cursor'] = cursor;
      const page = await get('/v1/roster/expiring', query);
      if (!alive) return;
      if (fresh) body.replaceChildren();
      caption.textContent = t('expiringCaption', days.value || '90');
      for (const p of page.people ?? []) {
        body.append(h('tr', {},
          h('th', { scope: 'row' }, p.name),
          h('td', {}, p.tcknMasked),
          h('td', {}, word('categories', p.category)),
          h('td', {}, p.institution),
          h('td', {}, h('time', { datetime: p.notAfter }, formatTime(p.notAfter))),
          h('td', {}, p.daysLeft ?? 0),
          h('td', {}, p.renewalOpen
            ? (p.applicationId ? h('a', { href: `#/application/${encodeURIComponent(p.applicationId)}` }, t('renewalOpen', p.applicationStatus ?? '')) : t('renewalOpen', p.applicationStatus ?? ''))
            : t('renewalNone'))));
      }
      cursor = page.nextCursor ?? '';
      more.hidden = !cursor;
    } catch (error) {
      fail(error);
    }
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); load(true); });
  more.addEventListener('click', () => load(false));

  main.append(h('h2', { tabindex: '-1' }, t('expiringTitle')), form,
    h('table', { id: 'expiring' }, caption,
      h('thead', {}, h('tr', {}, ['colName', 'colTckn', 'colCategory', 'colInstitution', 'colNotAfter', 'colDaysLeft', 'colRenewal']
        .map((c) => h('th', { scope: 'col' }, t(c))))),
      body),
    more);
  load(true);
  return () => { alive = false; };
}
