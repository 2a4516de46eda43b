// Adapters a cached request never calls, built on their first call instead of at cold start: the
// DynamoDB login coordinator, the Secrets Manager credential source and the ArcGIS issuer are
// needed to log in and on the schedule, while a cold container answering from the token store
// needs SSM alone. Each builder is async because the Lambda entry loads their code with import()
// in the builder (lambda/handlers/login-adapters.ts): the deployed bundle is split into chunks
// (infra/lambda-bundle.ts), and a cold cached request reads and compiles none of the login chunks,
// not just builds none of their clients. (In a one-file bundle import() measured no faster than a
// static import: esbuild wraps every module the lazy code shares with the cached path in a closure
// V8 compiles twice; split into chunks, shared modules go to a chunk loaded once. The numbers are in
// docs/benchmarks.md, section 4.)
import type { CredentialSource, LoginCoordinator, TokenIssuer } from '../domain/ports.js';

/**
 * The adapter `build` makes, made on the first call and kept. Concurrent first calls share one
 * build; a build that fails is not kept, so the next call tries again (a chunk that could not be
 * read then fails that one login, not every login of the container).
 */
function onFirstCall<T>(build: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | undefined;
  return () =>
    (built ??= build().catch((error: unknown) => {
      built = undefined;
      throw error;
    }));
}

export function deferredIssuer(build: () => Promise<TokenIssuer>): TokenIssuer {
  const issuer = onFirstCall(build);
  return {
    loginSite: async (target, deadline) => (await issuer()).loginSite(target, deadline),
    issue: async (request) => (await issuer()).issue(request),
    check: async (target, token, deadline) => (await issuer()).check(target, token, deadline),
  };
}

export function deferredCoordinator(build: () => Promise<LoginCoordinator>): LoginCoordinator {
  const coordinator = onFirstCall(build);
  return {
    acquire: async (request, timeoutMs) => (await coordinator()).acquire(request, timeoutMs),
    release: async (account, holder, outcome, now, timeoutMs) => (await coordinator()).release(account, holder, outcome, now, timeoutMs),
    read: async (account, timeoutMs) => (await coordinator()).read(account, timeoutMs),
    admitCaller: async (admission, timeoutMs) => (await coordinator()).admitCaller(admission, timeoutMs),
  };
}

export function deferredCredentials(build: () => Promise<CredentialSource>): CredentialSource {
  const source = onFirstCall(build);
  return { read: async (secretId) => (await source()).read(secretId) };
}
