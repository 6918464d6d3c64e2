// The esign.v1 API through its REST JSON transcoding, on the page's own origin.
let token = null;
const unauthenticatedListeners = [];

export const setToken = (value) => { token = value; };
export const hasToken = () => token !== null;
export const onUnauthenticated = (listener) => unauthenticatedListeners.push(listener);

/** A refusal by the server: the gRPC status (as REST JSON), with the Turkish message and the stable reason when given. */
export class ApiError extends Error {
  constructor(httpStatus, body) {
    super(body?.message || `HTTP ${httpStatus}`);
    this.httpStatus = httpStatus;
    this.grpcCode = body?.code ?? 0;
    const details = Array.isArray(body?.details) ? body.details : [];
    const typed = (suffix) => details.find((d) => typeof d['@type'] === 'string' && d['@type'].endsWith(suffix));
    this.reason = typed('google.rpc.ErrorInfo')?.reason ?? '';
    this.messageTr = typed('google.rpc.LocalizedMessage')?.message ?? '';
    this.fields = (typed('google.rpc.BadRequest')?.fieldViolations ?? []).map((v) => v.field);
  }
  get unauthenticated() { return this.httpStatus === 401 || this.grpcCode === 16; }
}

function headers(json) {
  const h = { Accept: 'application/json' };
  if (json) h['Content-Type'] = 'application/json';
  if (token) h.Authorization = `Bearer ${token}`;
  return h;
}

async function failure(response) {
  let body = null;
  try { body = await response.json(); } catch { /* not JSON: the status alone */ }
  return new ApiError(response.status, body);
}

function signalUnauthenticated(error) {
  if (error instanceof ApiError && error.unauthenticated) {
    token = null;
    unauthenticatedListeners.forEach((l) => l());
  }
  return error;
}

export async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: headers(body !== undefined),
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  if (!response.ok) throw signalUnauthenticated(await failure(response));
  return response.status === 204 ? null : response.json();
}

export const get = (path, query) => call('GET', query ? `${path}?${new URLSearchParams(query)}` : path);
export const post = (path, body = {}) => call('POST', path, body);

/**
 * A server-streaming call: one JSON object per line, each handed to onMessage as it arrives. Resolves when the stream
 * ends; an error line ({code, message, details}) or a refused request rejects with an ApiError.
 */
export async function stream(path, onMessage, signal, onOpen) {
  const response = await fetch(path, { headers: headers(false), signal, cache: 'no-store' });
  if (!response.ok) throw signalUnauthenticated(await failure(response));
  onOpen?.();
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  const line = (text) => {
    if (!text.trim()) return;
    const message = JSON.parse(text);
    if (message.kind === undefined && typeof message.code === 'number' && message.code !== 0)
      throw signalUnauthenticated(new ApiError(message.code === 16 ? 401 : 500, message));
    onMessage(message);
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      line(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
    }
  }
  line(buffered + decoder.decode());
}
