// A private CA bundle shipped inside the function's zip, for ArcGIS Enterprise sites whose TLS
// certificate comes from an internal CA. Node reads NODE_EXTRA_CA_CERTS once at process start and
// adds those certificates to its trust store; certificate checks stay on.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigurationError } from '../lambda/domain/errors.js';

/** File name of the bundle inside the deployment package (Lambda unpacks it to /var/task). */
export const CA_BUNDLE_FILE = 'extra-ca-certs.pem';
export const CA_BUNDLE_RUNTIME_PATH = `/var/task/${CA_BUNDLE_FILE}`;

/** A bundle of a few CA certificates is a few KB; anything this large is the wrong file. */
const MAX_CA_BUNDLE_BYTES = 1024 * 1024;

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----/g;

/**
 * Checks that `path` (relative to `baseDir`) is a PEM file of CA certificates and returns its
 * absolute path. Refuses files holding a private key: only public certificates belong in a bundle
 * that every reader of the deployment package can see.
 */
export function validateCaBundle(path: string, baseDir: string = process.cwd()): string {
  const absolute = resolve(baseDir, path);
  if (!existsSync(absolute) || !statSync(absolute).isFile()) {
    throw new ConfigurationError(`Invalid caBundlePath "${path}": no such file (looked for ${absolute}).`);
  }
  const size = statSync(absolute).size;
  if (size > MAX_CA_BUNDLE_BYTES) {
    throw new ConfigurationError(`Invalid caBundlePath "${path}": ${size} bytes is too large for a CA bundle (at most ${MAX_CA_BUNDLE_BYTES}).`);
  }
  const text = readFileSync(absolute, 'utf8');
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    throw new ConfigurationError(
      `Invalid caBundlePath "${path}": the file contains a private key. Bundle only the CA certificates (-----BEGIN CERTIFICATE----- blocks); the key must never be deployed.`,
    );
  }
  if ((text.match(CERTIFICATE_BLOCK) ?? []).length === 0) {
    throw new ConfigurationError(
      `Invalid caBundlePath "${path}": not a PEM certificate bundle; expected one or more -----BEGIN CERTIFICATE----- … -----END CERTIFICATE----- blocks (convert a DER file with: openssl x509 -inform der -in ca.cer -out ca.pem).`,
    );
  }
  return absolute;
}
