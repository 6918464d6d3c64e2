// Registering the 2 wet-signed copies by the code on the printout, typed or scanned (a scanner types the code and Enter).
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import * as feed from '../queue-feed.js';
import { say, fail } from '../messages.js';
import { h } from './dom.js';

async function find(code) {
  const wanted = code.trim().toUpperCase();
  const own = [...feed.items.values()].find((i) => (i.code ?? '').toUpperCase() === wanted && (i.lacks ?? []).includes('PAPER'));
  if (own) return own;
  let cursor = '';
  do {
    const query = { lacks: 'PAPER', 'page.pageSize': '200' };
    if (cursor) query['page.cursor'] = cursor;
    const page = await get('/v1/queue', query);
    const match = (page.items ?? []).find((i) => (i.code ?? '').toUpperCase() === wanted);
    if (match) return match;
    cursor = page.nextCursor ?? '';
  } while (cursor);
  return null;
}

export function renderPaper() {
  const input = h('input', { id: 'paper-code', name: 'code', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'paper-hint' });
  const confirm = h('div', { id: 'paper-confirm', class: 'confirm', hidden: true });
  const form = h('form', {},
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'paper-code' }, t('paperLabel')), input,
        h('p', { class: 'hint', id: 'paper-hint' }, t('paperHint'))),
      h('div', { class: 'field' }, h('button', { type: 'submit', id: 'paper-find' }, t('paperFind')))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const code = input.value.trim();
    if (!code) return;
    try {
      const item = await find(code);
      if (!item) {
        confirm.hidden = true;
        fail(new Error(t('paperNotFound', code)));
        input.select();
        return;
      }
      const register = h('button', { type: 'button', id: 'paper-register' }, t('paperRegister'));
      const cancel = h('button', { type: 'button', class: 'secondary' }, t('paperCancel'));
      confirm.replaceChildren(h('p', { id: 'paper-question' }, t('paperConfirm', item.code, item.applicantName)), h('div', { class: 'row' }, register, cancel));
      confirm.hidden = false;
      cancel.addEventListener('click', () => { confirm.hidden = true; input.focus(); });
      register.addEventListener('click', async () => {
        register.disabled = true;
        try {
          await post(`/v1/applications/${encodeURIComponent(item.applicationId)}:registerPaper`, { copies: 2, expectedVersion: item.version });
          confirm.hidden = true;
          input.value = '';
          say(t('paperDone', item.code));
          input.focus();
        } catch (error) {
          register.disabled = false;
          fail(error);
        }
      });
      register.focus();
    } catch (error) {
      fail(error);
    }
  });
  return h('section', { class: 'panel', 'aria-labelledby': 'paper-title' }, h('h3', { id: 'paper-title' }, t('paperTitle')), form, confirm);
}
