// What a failed fetch says about why, read the same way by everything that calls one (the ArcGIS
// transport, doctor's request log, smoke, the Node client). undici rejects with a TypeError "fetch
// failed" and puts the system error (ENOTFOUND, ECONNREFUSED, a TLS code) on `cause`, sometimes one
// level deeper; AbortSignal.timeout rejects with a TimeoutError, an abort with an AbortError.

/** Whether fetch gave up because its time ran out (AbortSignal.timeout, or an abort). */
export function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/** The system error code (ENOTFOUND, ECONNREFUSED, a TLS code…) on the error or its causes. */
export function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}
