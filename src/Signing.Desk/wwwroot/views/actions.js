// The officer's actions on one application. Which of them the server allows is the server's to say: the page offers
// them and shows the refusal when there is one.
import { t, word } from '../i18n.js';
import { fail } from '../messages.js';
import { h } from './dom.js';

const categories = ['APPLICANT_CATEGORY_MANAGER', 'APPLICANT_CATEGORY_DOCTOR', 'APPLICANT_CATEGORY_FAMILY_PHYSICIAN'];
const deliveries = ['DELIVERY_EVENT_SENT_TO_KAMU_SM', 'DELIVERY_EVENT_PRODUCED', 'DELIVERY_EVENT_DISPATCHED', 'DELIVERY_EVENT_DELIVERED',
  'DELIVERY_EVENT_RETURNED', 'DELIVERY_EVENT_ADDRESS_CONFIRMED', 'DELIVERY_EVENT_POSTAL_FORM_RECEIVED', 'DELIVERY_EVENT_PRICE_SHOWN',
  'DELIVERY_EVENT_PAID', 'DELIVERY_EVENT_PAYMENT_REFLECTED'];

/** Runs an action with its buttons disabled meanwhile, so a double press sends nothing twice. */
async function busy(buttons, action) {
  buttons.forEach((b) => { b.disabled = true; });
  try {
    await action();
  } catch (error) {
    fail(error);
  } finally {
    buttons.forEach((b) => { if (b.isConnected) b.disabled = false; });
  }
}

export function renderActions(a, { decide, confirmCategory, registerPaper, recordDelivery }) {
  const lacks = a.lacks ?? [];
  const approve = h('button', { type: 'button', id: 'approve' }, t('approve'));
  const reason = h('textarea', { id: 'reject-reason', rows: '3' });
  const reject = h('button', { type: 'button', id: 'reject', class: 'danger' }, t('reject'));
  approve.addEventListener('click', () => busy([approve, reject], () => decide('DECISION_APPROVE', '')));
  reject.addEventListener('click', () => busy([approve, reject], () => decide('DECISION_REJECT', reason.value)));

  const parts = [
    h('div', { class: 'row' }, approve),
    h('div', { class: 'field' }, h('label', { for: 'reject-reason' }, t('rejectReason')), reason),
    h('div', { class: 'row' }, reject),
  ];

  if (lacks.includes('PAPER')) {
    const paper = h('button', { type: 'button', id: 'register-paper', class: 'secondary' }, t('paperRegister'));
    paper.addEventListener('click', () => busy([paper], () => registerPaper(a.version)));
    parts.unshift(h('div', { class: 'row' }, paper));
  }

  if (lacks.includes('CATEGORY_CONFIRMED')) {
    const select = h('select', { id: 'confirm-category-value' }, categories.map((c) => h('option', { value: c, selected: c === a.category }, word('categories', c))));
    const button = h('button', { type: 'button', id: 'confirm-category', class: 'secondary' }, t('confirmCategory'));
    button.addEventListener('click', () => busy([button], () => confirmCategory(select.value, a.version)));
    parts.push(h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'confirm-category-value' }, t('confirmCategoryLabel')), select),
      h('div', { class: 'field' }, button)));
  }

  const event = h('select', { id: 'delivery-event' }, deliveries.map((d) => h('option', { value: d }, word('deliveries', d))));
  const detail = h('input', { id: 'delivery-detail', autocomplete: 'off' });
  const tracking = h('input', { id: 'delivery-tracking', autocomplete: 'off' });
  const record = h('button', { type: 'button', id: 'delivery-record', class: 'secondary' }, t('deliveryRecord'));
  record.addEventListener('click', () => busy([record], () => recordDelivery(event.value, detail.value, tracking.value, a.version)));

  return h('div', {},
    h('section', { class: 'panel', id: 'section-actions', 'aria-labelledby': 'title-actions' }, h('h3', { id: 'title-actions' }, t('sectionActions')), parts),
    h('section', { class: 'panel', id: 'section-delivery', 'aria-labelledby': 'title-delivery' }, h('h3', { id: 'title-delivery' }, t('sectionDelivery')),
      h('div', { class: 'row' },
        h('div', { class: 'field' }, h('label', { for: 'delivery-event' }, t('deliveryEvent')), event),
        h('div', { class: 'field' }, h('label', { for: 'delivery-detail' }, t('deliveryDetail')), detail),
        h('div', { class: 'field' }, h('label', { for: 'delivery-tracking' }, t('deliveryTracking')), tracking),
        h('div', { class: 'field' }, record))));
}
