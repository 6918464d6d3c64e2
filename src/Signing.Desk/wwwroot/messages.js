import { t, currentLanguage } from './i18n.js';
import { ApiError } from './api.js';
import { AgentError } from './agent.js';

const status = () => document.getElementById('status');
const alertBox = () => document.getElementById('alert');

export function say(text) {
  alertBox().textContent = '';
  status().textContent = text;
}

export function warn(text) {
  status().textContent = '';
  alertBox().textContent = text;
}

export function clear() {
  status().textContent = '';
  alertBox().textContent = '';
}

/** Words for a failure: the agent's refusal by its code, the server's in Turkish when it gave one. */
export function describe(error) {
  if (error instanceof AgentError) return t('agent')[error.code] ?? `${t('agent').other} (${error.code})`;
  if (error instanceof ApiError) {
    const text = currentLanguage() === 'tr' && error.messageTr ? error.messageTr : error.message;
    return `${text || t('serverError')}${error.reason ? ` [${error.reason}]` : ''}`;
  }
  if (error instanceof TypeError) return t('networkError');
  return String(error?.message ?? error);
}

export const fail = (error) => warn(describe(error));
