// One schema for every place a configuration enters: the Lambda at cold start, the local server
// at start-up and the CDK app at synth time, so a bad setting fails early and says the same thing.
// Its constants and enums live in settings.ts (no zod); the types of a target and a configuration
// are these schemas' own, so modules import them from here as types only.
import * as z from 'zod/mini';
import { isIP } from 'node:net';
import './zod-locale.js';
import { lazySchema } from './lazy-schema.js';
import { CLIENT_MODES, DEFAULT_EXPIRATION_MINUTES, DEFAULT_DEADLINE_MS, DEFAULT_MIN_VALIDITY_REFRESH_INTERVAL_SECONDS, DEFAULT_PARAMETER_PREFIX, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_SCHEDULE_MINUTES, MAX_DEADLINE_MS, MAX_EXPIRATION_MINUTES, SITE_KINDS, isHttpReferer, stripRefererSuffix } from './settings.js';
import { TARGET_NAME, TARGET_NAME_RULE } from '../target-name.js';


/** A string with surrounding white space removed before any other check runs. */
const trimmed = (...checks: z.core.$ZodCheck<string>[]) => z.string().check(z.trim(), ...checks);

const urlString = lazySchema(() =>
  trimmed(z.superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a URL: give the full https:// address of the portal, server or token endpoint` });
      return;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      ctx.addIssue({ code: 'custom', message: `use an https:// URL (got ${url.protocol})` });
    }
    if (url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'remove the user name/password from the URL: credentials belong in the secret' });
    }
  })),
);

/**
 * An origin that may receive credentials: scheme, host and port only. Kept as the URL parser
 * normalises it (host lower-cased, default port dropped), which is how origins are compared.
 */
const originString = lazySchema(() =>
  z.pipe(
    trimmed(z.superRefine((value, ctx) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: `"${value}" is not an origin: give scheme, host and port only, e.g. https://portal.example.com or https://gis.example.com:7443` });
        return;
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        ctx.addIssue({ code: 'custom', message: `use an https:// origin (got ${url.protocol})` });
      } else if (url.username || url.password) {
        ctx.addIssue({ code: 'custom', message: 'remove the user name/password from the origin: credentials belong in the secret' });
      } else if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || /[?#]$/.test(value)) {
        ctx.addIssue({ code: 'custom', message: `"${value}" is not an origin: give scheme, host and port only (${url.origin}), without a path, query or fragment` });
      }
    })),
    z.transform((value) => new URL(value).origin),
  ),
);

export const TargetSchema = lazySchema(() =>
  z
    .strictObject({
      name: z.string().check(z.regex(TARGET_NAME, `use ${TARGET_NAME_RULE}`)),
      url: urlString,
      kind: z.optional(z.enum(SITE_KINDS, { message: `use one of ${SITE_KINDS.join(', ')}, or leave it out to discover it` })),
      client: z._default(z.enum(CLIENT_MODES, { message: `use one of ${CLIENT_MODES.join(', ')}` }), 'referer'),
      referer: z.optional(z.pipe(trimmed(z.minLength(1)), z.transform(stripRefererSuffix))),
      ip: z.optional(trimmed()),
      // z.int() as a check, as classic .int() was: as the schema itself, its message would also
      // replace zod's own for a value that is not a number at all.
      expirationMinutes: z._default(
        z.number().check(
          z.int('use a whole number of minutes'),
          z.gte(1, 'use at least 1 minute'),
          z.lte(MAX_EXPIRATION_MINUTES, `ArcGIS allows at most ${MAX_EXPIRATION_MINUTES} minutes (15 days)`),
        ),
        DEFAULT_EXPIRATION_MINUTES,
      ),
      secretId: trimmed(z.minLength(1, 'name the Secrets Manager secret (name or ARN) that holds the credentials')),
      /** A secured service on which each new token is tried before it is cached (catches a wrong dispenser). */
      serviceUrl: z.optional(urlString),
      /**
       * For kind federated: the portal the server is federated with. Credentials may go to its origin
       * when the server's rest/info names it (owningSystemUrl), though it differs from the url's.
       */
      portalUrl: z.optional(urlString),
      /**
       * Further origins (https://host[:port]) that may receive the credentials when the site names them
       * in rest/info. Without them credentials go only to the url's origin (and portalUrl's).
       */
      allowedOrigins: z.optional(z.array(originString)),
      /** caller-ip only: the most distinct callers (IPv4 addresses, IPv6 /64s) served at once; more get 429. */
      maxCallers: z.optional(z.number().check(z.int('use a whole number of callers'), z.gte(1, 'allow at least 1 caller'), z.lte(10_000, 'at most 10000 callers: each has its own SSM parameter, and a Region holds 10000 standard parameters'))),
    })
    .check(z.superRefine((target, ctx) => {
      if (target.client === 'referer') {
        if (target.referer === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['referer'],
            message: 'client "referer" needs a referer: the base URL of the app that will use the token (e.g. https://apps.example.com)',
          });
        } else {
          if (!isHttpReferer(target.referer)) {
            ctx.addIssue({ code: 'custom', path: ['referer'], message: `"${target.referer}" is not an http(s) URL: use the base URL the calling app sends as Referer, e.g. https://apps.example.com` });
          }
        }
      }
      if (target.client === 'ip' && (target.ip === undefined || isIP(target.ip) === 0)) {
        ctx.addIssue({
          code: 'custom',
          path: ['ip'],
          message: 'client "ip" needs ip: the IPv4 or IPv6 address of the machine that will use the token (ArcGIS answers "Client id cannot be determined" without it)',
        });
      }
      if (target.client !== 'referer' && target.referer !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['referer'], message: `referer is only used with client "referer"; remove it or set client to "referer"` });
      }
      if (target.client !== 'caller-ip' && target.maxCallers !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['maxCallers'], message: 'maxCallers is only used with client "caller-ip"; remove it or set client to "caller-ip"' });
      }
      if (target.client !== 'ip' && target.ip !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['ip'], message: `ip is only used with client "ip"; remove it or set client to "ip"` });
      }
      if (target.portalUrl !== undefined && target.kind !== 'federated') {
        ctx.addIssue({
          code: 'custom',
          path: ['portalUrl'],
          message: 'portalUrl names the portal of a federated server: set kind "federated", or list the origin in allowedOrigins instead',
        });
      }
    })),
);

export const ServiceConfigSchema = lazySchema(() =>
  z
    .strictObject({
      targets: z.array(TargetSchema).check(z.minLength(1, 'configure at least one target')),
      /** The target `GET /token` serves; defaults to the first one. */
      defaultTarget: z.optional(z.string()),
      /** Plain http:// is refused unless this is set: tokens and passwords must not cross a network in clear. */
      allowInsecureHttp: z._default(z.boolean(), false),
      parameterPrefix: z._default(
        z.string().check(z.regex(/^(\/[A-Za-z0-9_.-]+)+$/, 'use an SSM path such as /arcgis-token-vending')),
        DEFAULT_PARAMETER_PREFIX,
      ),
      /** Overrides the refresh margin derived from each token's lifetime (see domain/refresh-policy.ts). */
      refreshMarginSeconds: z.optional(z.number().check(z.int(), z.gte(0), z.lte(86_400))),
      /** How often the schedule runs; it refreshes tokens that would not outlive the next run. */
      scheduleIntervalMinutes: z._default(z.number().check(z.int(), z.gte(1), z.lte(1440)), DEFAULT_SCHEDULE_MINUTES),
      requestTimeoutMs: z._default(z.number().check(z.int(), z.gte(100), z.lte(60_000)), DEFAULT_REQUEST_TIMEOUT_MS),
      deadlineMs: z._default(
        z.number().check(z.int(), z.gte(1_000), z.lte(MAX_DEADLINE_MS, `use at most ${MAX_DEADLINE_MS} ms: API Gateway gives up after 29 s and answers its own 504 instead of the service's problem`)),
        DEFAULT_DEADLINE_MS,
      ),
      minValidityRefreshIntervalSeconds: z._default(z.number().check(z.int(), z.gte(0), z.lte(86_400)), DEFAULT_MIN_VALIDITY_REFRESH_INTERVAL_SECONDS),
    })
    .check(z.superRefine((config, ctx) => {
      const seen = new Set<string>();
      config.targets.forEach((target, index) => {
        const key = target.name.toLowerCase();
        if (seen.has(key)) {
          ctx.addIssue({ code: 'custom', path: ['targets', index, 'name'], message: `target name "${target.name}" is used twice; names must be unique (case-insensitive)` });
        }
        seen.add(key);
        const insecure: Array<[Array<string | number>, string | undefined, string]> = [
          [['url'], target.url, 'password'],
          [['serviceUrl'], target.serviceUrl, 'token'],
          [['portalUrl'], target.portalUrl, 'password'],
          ...(target.allowedOrigins ?? []).map((origin, at): [Array<string | number>, string, string] => [['allowedOrigins', at], origin, 'password']),
        ];
        for (const [path, value, what] of insecure) {
          if (!config.allowInsecureHttp && value !== undefined && URL.parse(value)?.protocol === 'http:') {
            ctx.addIssue({
              code: 'custom',
              path: ['targets', index, ...path],
              message: `http:// would send the ${what} in clear: use https://, or set allowInsecureHttp (ARCGIS_ALLOW_INSECURE_HTTP=1) for a local simulator only`,
            });
          }
        }
      });
      if (config.requestTimeoutMs > config.deadlineMs) {
        ctx.addIssue({
          code: 'custom',
          path: ['requestTimeoutMs'],
          message: `requestTimeoutMs ${config.requestTimeoutMs} cannot fit in the request deadline (deadlineMs ${config.deadlineMs}): every request must end within it. Use at most ${config.deadlineMs}, and a few times less so discovery and login fit together`,
        });
      }
      if (config.defaultTarget !== undefined && !config.targets.some((t) => t.name === config.defaultTarget)) {
        ctx.addIssue({ code: 'custom', path: ['defaultTarget'], message: `no target is named "${config.defaultTarget}"; use one of ${config.targets.map((t) => t.name).join(', ')}` });
      }
    })),
);

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.length === 0 ? '(root)' : issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
      return `  - ${path}: ${issue.message}`;
    })
    .join('\n');
}

export type TargetInput = z.input<typeof TargetSchema>;
export type Target = z.output<typeof TargetSchema>;
export type ServiceConfigInput = z.input<typeof ServiceConfigSchema>;
export type ServiceConfig = z.output<typeof ServiceConfigSchema> & { defaultTarget: string };
