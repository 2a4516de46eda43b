// ArcGIS's own error text (message, details, a redirect's Location) is quoted in this service's
// messages, because it is what tells an operator what went wrong. But a site, or a proxy or debug
// page in front of it, may echo the request back: the password, the client secret or the portal
// token being exchanged would then travel on in the error, the problem answer and the logs. So the
// protocol functions take what they sent back out of any error they throw, in every encoding it may
// come back in.
import { ArcGisRefusedError, type ArcGisErrorInfo } from '../domain/errors.js';

const HIDDEN = '(hidden)';

/** The ways a value sent in a form can come back: as sent, percent-encoded, form-encoded, in a URL path, JSON-escaped. */
function spellings(secret: string): string[] {
  const forms = [
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ v: secret }).toString().slice(2),
    new URL(`/${secret}`, 'https://h').pathname.slice(1),
    JSON.stringify(secret).slice(1, -1),
  ];
  return forms.filter((form) => form.length > 0);
}

/** The text with every spelling of every secret replaced by "(hidden)". */
export function redact(text: string, secrets: readonly string[]): string {
  // Longest first, so a secret that contains another is taken out whole.
  const forms = [...new Set(secrets.flatMap(spellings))].sort((a, b) => b.length - a.length);
  let result = text;
  for (const form of forms) result = result.split(form).join(HIDDEN);
  return result;
}

/**
 * The same error with the secrets taken out of its message and, for an ArcGIS refusal, out of the
 * ArcGIS text it carries into the problem answer (arcgisMessage, arcgisDetails).
 */
export function withoutSecrets<E>(error: E, secrets: readonly (string | undefined)[]): E {
  const known = secrets.filter((secret): secret is string => secret !== undefined && secret.length > 0);
  if (!(error instanceof Error) || known.length === 0) return error;
  error.message = redact(error.message, known);
  if (error instanceof ArcGisRefusedError) arcgisTextWithout(error.arcgis, known);
  return error;
}

/** ArcGIS's own text (message, details) with the secrets taken out, in place: it is quoted in messages and answers. */
export function arcgisTextWithout(info: ArcGisErrorInfo, secrets: readonly string[]): ArcGisErrorInfo {
  info.message = redact(info.message, secrets);
  info.details = info.details.map((detail) => redact(detail, secrets));
  return info;
}
