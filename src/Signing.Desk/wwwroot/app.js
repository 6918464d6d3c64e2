// The officer's desk: one page, hash routes (#/queue, #/application/{id}, #/expiring), no business rule of its own.
import { t, setLanguage, currentLanguage } from './i18n.js';
import { post, setToken, hasToken, onUnauthenticated } from './api.js';
import { configureAgent, signChallenge } from './agent.js';
import { say, warn, clear, fail } from './messages.js';
import * as feed from './queue-feed.js';
import { renderQueue } from './views/queue.js';
import { renderDetail } from './views/detail.js';
import { renderExpiring } from './views/expiring.js';
import { h } from './views/dom.js';

let identity = null;
let leaveView = null;

const $ = (id) => document.getElementById(id);

function applyStaticText() {
  document.querySelectorAll('[data-i18n]').forEach((e) => { e.textContent = t(e.dataset.i18n); });
  document.title = t('title');
  $('language').value = currentLanguage();
  $('who').textContent = identity ? t('signedInAs', identity.name, identity.tenant) : '';
}

function showSession() {
  const signedIn = hasToken();
  $('sign-in').hidden = signedIn;
  $('sign-out').hidden = !signedIn;
  $('nav').hidden = !signedIn;
  applyStaticText();
}

async function signIn() {
  const button = $('sign-in');
  button.disabled = true;
  say(t('signingIn'));
  try {
    const challenge = await post('/v1/challenges', {});
    const signed = await signChallenge(challenge.nonce);
    const session = await post('/v1/session:signIn', { challengeId: challenge.challengeId, proofOfPossession: signed.signature });
    setToken(session.accessToken);
    identity = session.identity ?? null;
    feed.start(sessionEnded);
    say(t('signedIn'));
    showSession();
    route();
  } catch (error) {
    fail(error);
  } finally {
    button.disabled = false;
  }
}

function signOut() {
  setToken(null);
  identity = null;
  feed.stop();
  clear();
  showSession();
  route();
}

function sessionEnded() {
  if (identity === null && !hasToken()) return;
  setToken(null);
  identity = null;
  feed.stop();
  showSession();
  route();
  warn(t('sessionExpired'));
  $('sign-in').focus();
}

/** Renders the view the hash names; a new view takes the focus to its heading, as a page load would. */
function route() {
  leaveView?.();
  leaveView = null;
  const main = $('main');
  main.replaceChildren();
  const hash = location.hash || '#/queue';
  document.querySelectorAll('#nav a').forEach((a) => {
    if (hash.startsWith(a.getAttribute('href'))) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  if (!hasToken()) {
    main.append(h('h2', { tabindex: '-1' }, t('title')), h('p', {}, t('signInNeeded')));
    return;
  }
  const application = /^#\/application\/([\w-]+)$/.exec(hash);
  if (application) leaveView = renderDetail(main, decodeURIComponent(application[1]));
  else if (hash === '#/expiring') leaveView = renderExpiring(main);
  else leaveView = renderQueue(main);
}

function focusHeading() {
  const heading = $('main').querySelector('h2');
  heading?.focus();
}

async function start() {
  try {
    const config = await fetch('config.json', { cache: 'no-store' }).then((r) => r.json());
    if (config.agentUrl) configureAgent(config.agentUrl);
  } catch { /* the default agent URL stays */ }
  $('sign-in').addEventListener('click', signIn);
  $('sign-out').addEventListener('click', signOut);
  $('language').addEventListener('change', (e) => {
    setLanguage(e.target.value);
    applyStaticText();
    route();
  });
  $('skip').addEventListener('click', (e) => {
    e.preventDefault();
    $('main').focus();
  });
  window.addEventListener('hashchange', () => {
    clear();
    route();
    focusHeading();
  });
  onUnauthenticated(sessionEnded);
  showSession();
  route();
  document.body.dataset.ready = 'true';
}

start();
