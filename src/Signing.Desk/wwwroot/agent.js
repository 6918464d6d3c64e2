// The local card signer (esign agent) on the officer's machine: it shows what will be signed and asks for the PIN itself.
let agentUrl = 'http://127.0.0.1:5088';

export const configureAgent = (url) => { agentUrl = url.replace(/\/$/, ''); };

/** A refusal by the agent, or the agent not reachable at all (code not_running). */
export class AgentError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code;
  }
}

async function request(path, body) {
  let response;
  try {
    response = await fetch(agentUrl + path, {
      method: body ? 'POST' : 'GET',
      headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
      cache: 'no-store',
    });
  } catch {
    // A browser tells a page nothing more about a refused connection or a CORS refusal: both mean "no agent for us".
    throw new AgentError('not_running');
  }
  let json = null;
  try { json = await response.json(); } catch { /* no body */ }
  if (!response.ok) throw new AgentError(json?.error || 'other', json?.message);
  return json;
}

export const hello = () => request('/v1/hello');

/** Signs the 32-byte sign-in challenge (base64) on the card: { signature, certificate }. */
export const signChallenge = (challenge) => request('/v1/sign', { kind: 'signIn', challenge });

/** Signs the exact decision document bytes (base64) from the server: { signature, certificate }. */
export const signDecision = (document) => request('/v1/sign', { kind: 'decision', document });
