// One application as GetApplicationDetail gives it, and the officer's actions on it.
import { t, word, formatTime, pick } from '../i18n.js';
import { get, post, ApiError } from '../api.js';
import { signDecision } from '../agent.js';
import { say, fail } from '../messages.js';
import { h, facts } from './dom.js';
import { renderActions } from './actions.js';

export function renderDetail(main, id) {
  let alive = true;
  const heading = h('h2', { tabindex: '-1', id: 'detail-title' }, t('loading'));
  const content = h('div', { id: 'detail' });
  main.append(h('p', {}, h('a', { href: '#/queue', id: 'back' }, t('back'))), heading, content);

  const load = async (focus) => {
    try {
      const detail = await fetchDetail(id);
      if (!alive) return;
      show(detail);
      if (focus) heading.focus();
    } catch (error) {
      fail(error);
    }
  };

  const show = (detail) => {
    const a = detail.application ?? {};
    heading.textContent = t('detailTitle', a.code ?? id);
    content.dataset.applicationId = a.id ?? id;
    content.dataset.status = a.status ?? '';
    content.replaceChildren(
      section('application', t('sectionApplication'), facts([
        [t('status'), h('span', { id: 'application-status', dataset: { status: a.status ?? '' } }, statusWords(a.status))],
        [t('lacks'), (a.lacks ?? []).length ? h('ul', { class: 'lacks', id: 'application-lacks' }, a.lacks.map((l) => h('li', { dataset: { lacks: l } }, word('lacksWords', l)))) : t('nothingLacking')],
        [t('nextStep'), a.nextStep ? pick(a.nextStep.text, a.nextStep.textTr) : ''],
        [t('colApplicant'), a.applicantName],
        [t('tckn'), a.tcknMasked],
        [t('category'), word('categories', a.category)],
        [t('claimedCategory'), a.claimedCategory && a.claimedCategory !== 'APPLICANT_CATEGORY_UNSPECIFIED' ? word('categories', a.claimedCategory) : ''],
        [t('method'), word('methods', a.method)],
        [t('submittedAt'), formatTime(a.submittedAt)],
        [t('version'), a.version],
      ])),
      renderActions(a, { decide, confirmCategory, registerPaper, recordDelivery }),
      h('div', { class: 'grid' },
        section('form', t('sectionForm'), formFacts(detail.form)),
        h('div', {},
          section('holder', t('sectionHolder'), detail.certificateNotAfter ? facts([
            [t('holderStatus'), word('holder', detail.holderStatus)],
            [t('notAfter'), formatTime(detail.certificateNotAfter)],
            [t('daysLeft'), detail.daysLeft ?? 0],
          ]) : h('p', {}, t('noHolder'))),
          section('payment', t('sectionPayment'), payment(detail.paymentReceipt)),
          section('receipt', t('sectionReceipt'), detail.receipt ? facts([['SHA-256', detail.receipt.documentSha256 ?? '']]) : h('p', {}, t('noReceipt'))))),
      section('verdict', t('sectionVerdict'), verdict(detail.verdict)),
      section('history', t('sectionHistory'), history(a.history ?? [])));
  };

  const decide = async (decision, reason) => {
    say(t('signingDecision'));
    const document = await post(`/v1/applications/${encodeURIComponent(id)}:decisionDocument`, { decision, reason });
    const signed = await signDecision(document.document);
    const after = await post(`/v1/applications/${encodeURIComponent(id)}:decide`,
      { document: document.document, signature: signed.signature, expectedVersion: document.version });
    say(decision === 'DECISION_APPROVE' ? t('approved', after.code, statusWords(after.status)) : t('rejected', after.code, reason));
    await load(false);
  };
  const confirmCategory = async (category, version) => {
    await post(`/v1/applications/${encodeURIComponent(id)}:confirmCategory`, { category, expectedVersion: version });
    say(t('categoryConfirmed'));
    await load(false);
  };
  const registerPaper = async (version) => {
    const after = await post(`/v1/applications/${encodeURIComponent(id)}:registerPaper`, { copies: 2, expectedVersion: version });
    say(t('paperDone', after.code));
    await load(false);
  };
  const recordDelivery = async (event, detailText, trackingNumber, version) => {
    await post(`/v1/applications/${encodeURIComponent(id)}:delivery`, { event, detail: detailText, trackingNumber, expectedVersion: version });
    say(t('deliveryRecorded'));
    await load(false);
  };

  load(true);
  return () => { alive = false; };
}

/** GetApplicationDetail; a server without it (UNIMPLEMENTED) still gives the application itself. */
async function fetchDetail(id) {
  try {
    return await get(`/v1/applications/${encodeURIComponent(id)}/detail`);
  } catch (error) {
    if (!(error instanceof ApiError) || error.grpcCode !== 12 && error.httpStatus !== 501) throw error;
    return { application: await get(`/v1/applications/${encodeURIComponent(id)}`) };
  }
}

function section(name, title, ...children) {
  return h('section', { class: 'panel', id: `section-${name}`, 'aria-labelledby': `title-${name}` }, h('h3', { id: `title-${name}` }, title), children);
}

function formFacts(form) {
  if (!form) return h('p', {}, '—');
  return facts([
    [t('givenNames'), form.givenNames], [t('surname'), form.surname], [t('tckn'), form.tckn],
    [t('category'), word('categories', form.category)], [t('reason'), form.reason], [t('kind'), form.certificateKind],
    [t('term'), form.termYears], [t('email'), form.email], [t('phone'), form.phone], [t('address'), form.deliveryAddress],
    [t('institution'), form.institution], [t('tenant'), form.tenant],
  ]);
}

const money = (m) => (m?.amount ? `${m.amount} ${m.currency ?? ''}`.trim() : '');

function payment(p) {
  if (!p) return h('p', {}, t('noFee'));
  return [
    facts([[t('feeDue'), money(p.feeDue)], [t('feeIban'), p.feeIban]]),
    p.attachedAt
      ? facts([[t('paidAmount'), money(p.amount)], [t('paidIban'), p.iban], [t('paidOn'), p.paidOn], [t('description'), p.description],
        [t('fileSha'), p.fileSha256], [t('attachedAt'), formatTime(p.attachedAt)]])
      : h('p', {}, t('noPaymentReceipt')),
  ];
}

function verdict(v) {
  if (!v) return h('p', {}, t('noVerdict'));
  const s = v.summary ?? {};
  return [
    facts([
      [t('indication'), word('indications', s.indication)],
      [t('signer'), s.signerName ? `${s.signerName} (${s.signerTcknMasked ?? ''})` : ''],
      [t('validatedAt'), formatTime(v.validatedAt)],
    ]),
    h('ul', { id: 'verdict-checks' }, (v.checks ?? []).map((c) => {
      const result = (c.result ?? '').replace('RESULT_', '');
      return h('li', {}, h('span', { class: `result-${result}` }, `${word('results', c.result)}: `), pick(c.text, c.textTr));
    })),
  ];
}

function history(entries) {
  return h('table', { id: 'history' },
    h('caption', { class: 'visually-hidden' }, t('sectionHistory')),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('colTime')), h('th', { scope: 'col' }, t('colWho')), h('th', { scope: 'col' }, t('colWhat')))),
    h('tbody', {}, entries.map((e) => h('tr', { dataset: { event: e.event } },
      h('td', {}, h('time', { datetime: e.at }, formatTime(e.at))), h('td', {}, word('actors', e.actor ?? '')), h('td', {}, e.text)))));
}

/** The status in words, its code beside them for whoever reads logs or the API. */
function statusWords(code) {
  const words = word('statuses', code);
  return words && words !== code ? `${words} (${code})` : code ?? '';
}
