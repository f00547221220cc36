// Errors the crawler distinguishes, because each one is handled differently:
// a malformed page is retried, a protocol error is reported at once, and a
// request that keeps failing ends the crawl with one clear line.

/** The body did not parse, or arrived cut short: worth asking again. */
export class MalformedPageError extends Error {
  override name = 'MalformedPageError';
}

/** arXiv answered, but with an error of its own (API error entry, OAI error code). */
export class ArxivProtocolError extends Error {
  override name = 'ArxivProtocolError';
  constructor(
    message: string,
    /** OAI-PMH error code (`badResumptionToken`, `noRecordsMatch`...) or `api`. */
    readonly code: string,
  ) {
    super(message);
  }
}

/** An HTTP status we do not retry (4xx other than 429). */
export class HttpStatusError extends Error {
  override name = 'HttpStatusError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The body passed the byte cap a caller set (a 200 MB PDF): not retried. */
export class TooLargeError extends Error {
  override name = 'TooLargeError';
  constructor(
    message: string,
    readonly limitBytes: number,
  ) {
    super(message);
  }
}

/** Every attempt failed; `cause` is the last failure. */
export class RequestFailedError extends Error {
  override name = 'RequestFailedError';
  constructor(
    message: string,
    readonly attempts: number,
    readonly lastError: unknown,
  ) {
    super(message);
  }
}

/** A one-line description of any thrown value, with the system error code when there is one. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = systemErrorCode(err);
  const msg = err.message === 'fetch failed' && err.cause instanceof Error ? err.cause.message : err.message;
  const line = msg.split('\n')[0];
  return code && !line.includes(code) ? `${code}: ${line}` : line;
}

/** `ENOTFOUND`, `ECONNREFUSED`... from an error or its cause chain, else null. */
export function systemErrorCode(err: unknown): string | null {
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 5; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return null;
}
