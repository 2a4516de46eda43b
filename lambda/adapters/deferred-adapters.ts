// Adapters a cached request never calls, built on their first call instead of at cold start: the
// DynamoDB login coordinator, the Secrets Manager credential source and the ArcGIS issuer are
// needed to log in and on the schedule, while a cold container answering from the token store
// needs SSM alone. Building an SDK client resolves its whole configuration and middleware stack;
// the benchmark measured the deferral as about 2 % of a cold cached request (docs/benchmarks.md,
// section 4). Their modules are still imported statically: a dynamic import() would keep them out
// of evaluation, but in a one-file esbuild bundle it wraps every module they share with the cached
// path (the SDK core, zod) in a lazily compiled closure and keeps every command of their clients,
// which measured slower than loading them (docs/benchmarks.md, "What was tried").
import type { CredentialSource, LoginCoordinator, TokenIssuer } from '../domain/ports.js';

/** The adapter `build` makes, made on the first call and kept. */
function onFirstCall<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => (built ??= build());
}

export function deferredIssuer(build: () => TokenIssuer): TokenIssuer {
  const issuer = onFirstCall(build);
  return {
    loginSite: (target, deadline) => issuer().loginSite(target, deadline),
    issue: (request) => issuer().issue(request),
    check: (target, token, deadline) => issuer().check(target, token, deadline),
  };
}

export function deferredCoordinator(build: () => LoginCoordinator): LoginCoordinator {
  const coordinator = onFirstCall(build);
  return {
    acquire: (request, timeoutMs) => coordinator().acquire(request, timeoutMs),
    release: (account, holder, outcome, now, timeoutMs) => coordinator().release(account, holder, outcome, now, timeoutMs),
    read: (account, timeoutMs) => coordinator().read(account, timeoutMs),
    admitCaller: (admission, timeoutMs) => coordinator().admitCaller(admission, timeoutMs),
  };
}

export function deferredCredentials(build: () => CredentialSource): CredentialSource {
  const source = onFirstCall(build);
  return { read: (secretId) => source().read(secretId) };
}
