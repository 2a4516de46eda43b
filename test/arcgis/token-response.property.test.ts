// Property-based tests of the generateToken answer parser: whatever a server sends, the result is
// an IssuedToken or one of the typed errors, with exact mappings for the documented shapes.
import { problemTypeOf } from '../../lambda/http/problem-types.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HttpAnswer } from '../../lambda/arcgis/http.js';
import { EXPIRES_CLOCK_ALLOWANCE_MS, MAX_CREDIBLE_SKEW_MS, MAX_TOKEN_CHARS, MAX_TOKEN_LIFETIME_MS, parseTokenAnswer, SKEW_TOLERANCE_MS, type IssuedToken } from '../../lambda/arcgis/token-response.js';
import { ArcGisBadResponseError, ArcGisRefusedError, InvalidCredentialsError } from '../../lambda/domain/errors.js';

const URL_ = 'https://gis.example.com/arcgis/tokens/generateToken';
const RUNS = { numRuns: 300 };
const TYPED = [ArcGisRefusedError, InvalidCredentialsError, ArcGisBadResponseError] as const;

const answer = (body: string, status = 200, contentType = 'application/json'): HttpAnswer => ({ url: URL_, status, contentType, body });

type Outcome = { token: IssuedToken } | { error: unknown };
function run(a: HttpAnswer, now: number): Outcome {
  try {
    return { token: parseTokenAnswer(a, now) };
  } catch (error) {
    return { error };
  }
}
function thrown(a: HttpAnswer, now: number): Error {
  const outcome = run(a, now);
  if ('token' in outcome) throw new Error(`expected a refusal, got ${JSON.stringify(outcome.token)}`);
  expect(outcome.error).toBeInstanceOf(Error);
  return outcome.error as Error;
}

// ---- arbitraries -------------------------------------------------------------------------------

/** Any code point, lone surrogates included (wider than the "binary" unit, and without its ~1 s set-up). */
const anyChar = fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c));
/** Milliseconds since 1970 up to 2100: what `now` is in production. */
const nowArb = fc.integer({ min: 1, max: 4_102_444_800_000 });
const statusArb = fc.oneof(fc.constantFrom(200, 400, 401, 403, 404, 498, 499, 500, 502), fc.integer({ min: 100, max: 599 }));
const contentTypeArb = fc.oneof(fc.constantFrom('application/json', 'text/plain;charset=utf-8', 'text/html; charset=UTF-8', ''), fc.string());
/** A secret-looking value that cannot occur by chance in a message built from the URL and fixed text. */
const markerArb = fc.stringMatching(/^[A-Za-z0-9]{20}$/).map((s) => `SeCrEt-${s}`);
const tokenArb = markerArb.map((m) => `tok-${m}`);
/** Tokens the plausibility rules accept: printable ASCII without white space or markup, 1-2048 characters. */
const plausibleTokenArb = fc.oneof(
  tokenArb,
  fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)).filter((c) => c !== '<' && c !== '>'), minLength: 1, maxLength: MAX_TOKEN_CHARS }),
);
/** The latest expires accepted for a token issued at `now`. */
const latest = (now: number) => now + MAX_TOKEN_LIFETIME_MS + EXPIRES_CLOCK_ALLOWANCE_MS;

/** JSON texts, including hostile ones: objects whose String() throws, and deep nesting. */
const jsonLeafText: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.json({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.constantFrom('{"toString":1}', '{"valueOf":{},"toString":"x"}', '[{"toString":null}]', '["Invalid Token",{"toString":1}]', 'null', '""', '"401"', '401') },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 20_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)) },
);
const KEYS = ['token', 'expires', 'ssl', 'error', 'status', 'messages', 'code', 'message', 'details', 'toString', '__proto__'];
const objectText = (value: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc
    .array(fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...KEYS) }, { weight: 1, arbitrary: fc.string() }), value), { maxLength: 5 })
    .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`);
/** Objects shaped like ArcGIS answers (nested one level so `error` holds code/message/details). */
const arcgisLikeText = objectText(fc.oneof({ weight: 3, arbitrary: jsonLeafText }, { weight: 2, arbitrary: objectText(jsonLeafText) }));

const anyBodyArb = fc.oneof(
  fc.string({ unit: anyChar }),
  fc.string({ unit: 'grapheme-ascii' }),
  fc.json(),
  arcgisLikeText,
  objectText(jsonLeafText).map((error) => `{"error":${error}}`),
  objectText(jsonLeafText).map((rest) => `{"status":"error",${rest.slice(1)}`.replace(',}', '}')),
  fc.string().map((s) => `<html><body>${s}</body></html>`),
);

/** Expires as ArcGIS may send it: a number, a numeric string, or a zero-padded numeric string. */
function expiresFormArb(n: number): fc.Arbitrary<number | string> {
  const digits = String(n);
  return fc.oneof(fc.constant(n), fc.constant(digits), fc.integer({ min: 0, max: Math.max(0, 16 - digits.length) }).map((pad) => '0'.repeat(pad) + digits));
}

const noInvalid = (s: string) => !/invalid/i.test(s);
const codeArb = fc.oneof(fc.integer({ min: -1000, max: 100_000 }).filter((c) => c !== 401), fc.constantFrom(201, 400, 403, 498, 499, 500));
const detailsArb = fc.option(fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 4 })), { nil: undefined });
const HINTS: Record<number, string> = {
  201: 'client "ip" needs the ip setting',
  403: 'give it a role that can generate tokens',
  498: 'issued by another dispenser',
  499: 'wanted a token where none was sent',
};
const DEFAULT_HINT = "Check the target's url, client and expiration against the site's token settings.";

function expectedDetails(details: string | string[] | null | undefined): string[] {
  if (details == null) return [];
  return (Array.isArray(details) ? details : [details]).filter((d) => d.length > 0);
}

// ---- properties -------------------------------------------------------------------------------

describe('parseTokenAnswer (properties)', () => {
  it('for any body, status and content type: an IssuedToken with a future integer expires, or a typed error', () => {
    fc.assert(
      fc.property(anyBodyArb, statusArb, contentTypeArb, nowArb, (body, status, contentType, now) => {
        const outcome = run(answer(body, status, contentType), now);
        if ('token' in outcome) {
          const { token, expires, ssl } = outcome.token;
          expect(typeof token).toBe('string');
          expect(token).toMatch(/^[\x21-\x3b=\x3f-\x7e]{1,2048}$/);
          expect(Number.isSafeInteger(expires)).toBe(true);
          expect(expires).toBeGreaterThan(now);
          expect(expires).toBeLessThanOrEqual(latest(now));
          expect(typeof ssl).toBe('boolean');
          return;
        }
        const error = outcome.error as Error;
        expect(TYPED).toContain((error as object).constructor);
        expect(error.message.startsWith(`${URL_} `)).toBe(true);
        if (error instanceof ArcGisBadResponseError) expect(error.httpStatus).toBe(status);
        if (error instanceof ArcGisRefusedError) {
          expect(error.arcgis.url).toBe(URL_);
          expect(Number.isInteger(error.arcgis.code)).toBe(true);
          expect(typeof error.arcgis.message).toBe('string');
          for (const detail of error.arcgis.details) expect(typeof detail).toBe('string');
        }
      }),
      RUNS,
    );
  });

  it('a body that is not JSON is summarised (kind and size), never quoted', () => {
    const nonJson = fc
      .tuple(fc.string({ unit: anyChar }), markerArb, fc.string({ unit: anyChar }), fc.boolean())
      .map(([before, marker, after, html]) => ({ marker, body: `${html ? '<html>' : ''}${before}${marker}${after}` }))
      .filter(({ body }) => {
        try {
          JSON.parse(body);
          return false;
        } catch {
          return true;
        }
      });
    fc.assert(
      fc.property(nonJson, statusArb, contentTypeArb, nowArb, ({ marker, body }, status, contentType, now) => {
        const error = thrown(answer(body, status, contentType), now);
        expect(error.message).not.toContain(marker);
        if (status === 498 || status === 499) {
          expect(error.constructor).toBe(ArcGisRefusedError);
          expect((error as ArcGisRefusedError).arcgis).toEqual({ url: URL_, code: status, message: status === 498 ? 'Invalid Token' : 'Token Required', details: [] });
          return;
        }
        expect(error.constructor).toBe(ArcGisBadResponseError);
        const html = /^\s*</.test(body) || /html/i.test(contentType);
        const what = html ? 'an HTML page' : `a body that is not JSON (${Buffer.byteLength(body)} bytes)`;
        expect(error.message.startsWith(`${URL_} answered HTTP ${status} with ${what} instead of JSON. `)).toBe(true);
      }),
      RUNS,
    );
  });

  it('a success body round-trips token, expires (number or numeric string) and ssl exactly', () => {
    const success = nowArb.chain((now) =>
      fc.record({
        now: fc.constant(now),
        token: plausibleTokenArb,
        expires: fc.integer({ min: now + 1, max: latest(now) }).chain((n) => fc.tuple(fc.constant(n), expiresFormArb(n))),
        ssl: fc.option(fc.boolean(), { nil: undefined }),
        extra: fc.dictionary(fc.string().filter((k) => !['token', 'expires', 'ssl'].includes(k)), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
        indent: fc.constantFrom(0, 1, '\t'),
      }),
    );
    fc.assert(
      fc.property(success, ({ now, token, expires: [n, form], ssl, extra, indent }) => {
        const body = JSON.stringify({ ...extra, token, expires: form, ...(ssl === undefined ? {} : { ssl }) }, null, indent);
        expect(parseTokenAnswer(answer(body), now)).toStrictEqual({ token, expires: n, ssl: ssl ?? false });
      }),
      RUNS,
    );
  });

  it('with a server Date, expires is moved onto our clock when the skew exceeds 5 s but is credible (under a day), and is still refused unless after now', () => {
    const skewed = fc.record({
      now: nowArb,
      skew: fc.oneof(fc.integer({ min: -SKEW_TOLERANCE_MS, max: SKEW_TOLERANCE_MS }), fc.integer({ min: -2 * MAX_CREDIBLE_SKEW_MS, max: 2 * MAX_CREDIBLE_SKEW_MS })),
      lifetime: fc.integer({ min: -86_400_000, max: 2 * 86_400_000 }),
      token: tokenArb,
    });
    fc.assert(
      fc.property(skewed, ({ now, skew, lifetime, token }) => {
        const raw = now + skew + lifetime; // what the server sent, by its own clock
        fc.pre(raw > 0);
        const expected = Math.abs(skew) > SKEW_TOLERANCE_MS && Math.abs(skew) < MAX_CREDIBLE_SKEW_MS ? raw - skew : raw;
        const outcome = run({ ...answer(JSON.stringify({ token, expires: raw, ssl: true })), serverDate: now + skew }, now);
        if (expected > now) {
          expect(outcome).toStrictEqual({ token: { token, expires: expected, ssl: true } });
        } else {
          expect('error' in outcome && (outcome.error as object).constructor).toBe(ArcGisBadResponseError);
          expect((outcome as { error: Error }).error.message).not.toContain(token);
        }
      }),
      RUNS,
    );
  });

  it('a success-shaped body whose token is implausible is refused, naming the rule and never the token', () => {
    const implausible = fc.oneof(
      fc.tuple(markerArb, fc.constantFrom(' ', '\t', '\r', '\n', '\r\n', '\u0000', '\u0007', '\u007f', '\u0085', '\u00a0', '\u2028', '\u200b', '\ufeff'), fc.boolean()).map(([m, c, front]) => (front ? `${c}${m}` : `${m}${c}x`)),
      markerArb.map((m) => `<div>${m}</div>`),
      fc.tuple(markerArb, anyChar.filter((c) => c.codePointAt(0)! > 0x7e)).map(([m, c]) => `${m}${c}`),
      markerArb.map((m) => m.repeat(Math.ceil((MAX_TOKEN_CHARS + 1) / m.length))),
    );
    fc.assert(
      fc.property(implausible, nowArb, (token, now) => {
        const error = thrown(answer(JSON.stringify({ token, expires: now + 3_600_000, ssl: true })), now);
        expect(error.constructor).toBe(ArcGisBadResponseError);
        expect(error.message).toMatch(/^\S+ issued a (blank token|token containing white space or control characters|token holding markup|token with characters outside printable ASCII|token of \d+ characters)/);
        expect(error.message).toMatch(/ It was not cached\.$/);
        expect(error.message).not.toContain(token.slice(0, 27));
        expect(error.message).not.toContain('SeCrEt-');
      }),
      RUNS,
    );
  });

  it('a success-shaped body whose expires is beyond 15 days plus the clock allowance is refused without quoting the token', () => {
    const tooLate = nowArb.chain((now) => fc.record({ now: fc.constant(now), token: tokenArb, expires: fc.integer({ min: latest(now) + 1, max: Number.MAX_SAFE_INTEGER }).chain(expiresFormArb) }));
    fc.assert(
      fc.property(tooLate, ({ now, token, expires }) => {
        const error = thrown(answer(JSON.stringify({ token, expires, ssl: true })), now);
        expect(error.constructor).toBe(ArcGisBadResponseError);
        expect(error.message).toContain(`issued a token whose expires (${Number(expires)}`);
        expect(error.message).toContain('is more than 15 days (plus 1 day for clocks) away');
        expect(error.message).not.toContain(token);
      }),
      RUNS,
    );
  });

  it('a success-shaped body whose expires is not after now is refused without quoting the token', () => {
    const expired = nowArb.chain((now) =>
      fc.record({
        now: fc.constant(now),
        token: tokenArb,
        expires: fc.oneof(
          fc.integer({ min: 1, max: Math.max(1, now) }).chain(expiresFormArb),
          fc.integer({ min: -1e15, max: 0 }),
          fc.double({ noNaN: true, noDefaultInfinity: true, max: now }),
        ),
      }),
    );
    fc.assert(
      fc.property(expired, ({ now, token, expires }) => {
        const error = thrown(answer(JSON.stringify({ token, expires, ssl: true })), now);
        expect(error.constructor).toBe(ArcGisBadResponseError);
        expect(error.message).not.toContain(token);
        if (Number.isSafeInteger(Number(expires)) && Number(expires) > 0) {
          expect(error.message).toBe(
            `${URL_} issued a token whose expires (${Number(expires)}) is not in the future (now ${now}). ArcGIS sends milliseconds since 1970 UTC: check the server's clock.`,
          );
        }
      }),
      RUNS,
    );
  });

  it('an expires string with a non-digit, or beyond the exact integer range, is an ArcGisBadResponseError that does not quote the token', () => {
    const badExpires = fc.oneof(
      fc.string({ unit: anyChar }).filter((s) => /\D/.test(s)),
      fc.integer({ min: 1, max: 1e15 }).map((n) => `${n}.0`),
      fc.integer({ min: 1, max: 1e15 }).map((n) => ` ${n}`),
      fc.bigInt({ min: BigInt(Number.MAX_SAFE_INTEGER) + 1n, max: 10n ** 16n - 1n }).map(String),
      fc.stringMatching(/^[0-9]{17,25}$/),
    );
    fc.assert(
      fc.property(tokenArb, badExpires, nowArb, (token, expires, now) => {
        const error = thrown(answer(JSON.stringify({ token, expires, ssl: true })), now);
        expect(error.constructor).toBe(ArcGisBadResponseError);
        expect(error.message).not.toContain(token);
      }),
      RUNS,
    );
  });

  it('error bodies {"error":{code,message,details}} map code, message and details (string or array) exactly', () => {
    const errorBody = fc.record({
      code: codeArb,
      codeAsString: fc.boolean(),
      message: fc.option(fc.string().filter(noInvalid), { nil: undefined }),
      details: fc.option(fc.oneof(fc.string().filter(noInvalid), fc.array(fc.string().filter(noInvalid), { maxLength: 4 }), fc.constant(null)), { nil: undefined }),
    });
    fc.assert(
      fc.property(errorBody, statusArb, nowArb, ({ code, codeAsString, message, details }, status, now) => {
        const body = JSON.stringify({ error: { code: codeAsString ? String(code) : code, message, details } });
        const error = thrown(answer(body, status), now);
        expect(error.constructor).toBe(ArcGisRefusedError);
        const arcgis = { url: URL_, code, message: message ?? '', details: expectedDetails(details) };
        expect((error as ArcGisRefusedError).arcgis).toStrictEqual(arcgis);
        const said = [arcgis.message, ...arcgis.details].filter((p) => p.length > 0).join(' / ');
        expect(error.message.startsWith(`${URL_} answered error ${code} "${said}". `)).toBe(true);
        const hint = HINTS[code];
        if (hint === undefined) expect(error.message.endsWith(`". ${DEFAULT_HINT}`)).toBe(true);
        else expect(error.message).toContain(hint);
      }),
      RUNS,
    );
  });

  it('an error code that is absent or not an integer falls back to the HTTP status (500 for HTTP 200)', () => {
    const noCode = fc.oneof(
      fc.constant(undefined),
      fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
      fc.constantFrom('', ' ', 'abc', 'Invalid Token', '4O1', '12.5', 'NaN'),
      fc.string().filter((s) => !/^\s*[+-]?\d+\s*$/.test(s)),
    );
    fc.assert(
      fc.property(noCode, statusArb, nowArb, (code, status, now) => {
        const error = thrown(answer(JSON.stringify({ error: { code, message: 'Unable to generate token.' } }), status), now);
        expect((error as ArcGisRefusedError).arcgis.code).toBe(status === 200 ? 500 : status);
      }),
      RUNS,
    );
  });

  it('code 401, or "Invalid username or password"/"Invalid credentials" in any case anywhere in message or details, is an InvalidCredentialsError', () => {
    const phrase = fc.constantFrom('Invalid username or password', 'Invalid credentials').chain((p) => fc.mixedCase(fc.constant(p)));
    const withPhrase = fc
      .tuple(phrase, fc.string(), fc.string(), fc.constantFrom('message', 'detailString', 'detailArray'), fc.array(fc.string(), { maxLength: 3 }), fc.integer({ min: -1000, max: 100_000 }))
      .map(([p, before, after, where, others, code]) => {
        const text = `${before}${p}${after}`;
        if (where === 'message') return { code, message: text, details: others };
        if (where === 'detailString') return { code, message: 'Unable to generate token.', details: text };
        return { code, message: 'Unable to generate token.', details: [...others, text] };
      });
    const code401 = fc.record({ code: fc.constantFrom(401, '401'), message: fc.string(), details: detailsArb });
    fc.assert(
      fc.property(fc.oneof(withPhrase, code401), statusArb, nowArb, (error, status, now) => {
        const refused = thrown(answer(JSON.stringify({ error }), status), now);
        expect(refused.constructor).toBe(InvalidCredentialsError);
        expect(problemTypeOf(refused)?.slug).toBe('invalid-credentials');
        expect(refused.message).toContain('Logins for this target pause until the secret changes');
      }),
      RUNS,
    );
  });

  it('the Server Administrator shape {"status":"error","messages":[…],"code":C} maps to message = first, details = rest', () => {
    const admin = fc.record({ code: codeArb, messages: fc.array(fc.string().filter(noInvalid), { maxLength: 4 }) });
    fc.assert(
      fc.property(admin, statusArb, nowArb, ({ code, messages }, status, now) => {
        const error = thrown(answer(JSON.stringify({ status: 'error', messages, code }), status), now);
        expect(error.constructor).toBe(ArcGisRefusedError);
        expect((error as ArcGisRefusedError).arcgis).toStrictEqual({ url: URL_, code, message: messages[0] ?? '', details: messages.slice(1) });
      }),
      RUNS,
    );
  });

  it('details or messages holding objects, arrays or deep nesting still give a typed refusal', () => {
    const hostile = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom('{"toString":1}', '{"toString":{},"valueOf":{}}', '[[{"toString":"x"}]]') },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 20_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)) },
      { weight: 3, arbitrary: fc.json({ maxDepth: 3 }) },
    );
    const body = fc
      .tuple(fc.array(hostile, { minLength: 1, maxLength: 3 }), fc.boolean(), codeArb)
      .map(([items, adminShape, code]) =>
        adminShape ? `{"status":"error","code":${code},"messages":[${items.join(',')}]}` : `{"error":{"code":${code},"message":"m","details":[${items.join(',')}]}}`,
      );
    fc.assert(
      fc.property(body, statusArb, nowArb, (text, status, now) => {
        const error = thrown(answer(text, status), now);
        expect(error).toBeInstanceOf(ArcGisRefusedError);
        for (const detail of (error as ArcGisRefusedError).arcgis.details) expect(typeof detail).toBe('string');
      }),
      { numRuns: 100 },
    );
  });
});
