import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CA_BUNDLE_RUNTIME_PATH, validateCaBundle } from '../../infra/ca-bundle.js';
import { PEM_CERTIFICATE } from './synth.js';


describe('validateCaBundle', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'token-vending-ca-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('returns the absolute path of a PEM bundle with two certificates', () => {
    writeFileSync(join(dir, 'ca.pem'), PEM_CERTIFICATE + PEM_CERTIFICATE);
    expect(validateCaBundle('ca.pem', dir)).toBe(join(dir, 'ca.pem'));
  });

  it('accepts CRLF line endings', () => {
    writeFileSync(join(dir, 'ca.pem'), PEM_CERTIFICATE.replace(/\n/g, '\r\n'));
    expect(validateCaBundle('ca.pem', dir)).toBe(join(dir, 'ca.pem'));
  });

  it('names the path it looked for when the file is missing', () => {
    expect(() => validateCaBundle('certs/ca.pem', dir)).toThrow(`Invalid caBundlePath "certs/ca.pem": no such file (looked for ${join(dir, 'certs/ca.pem')}).`);
  });

  it('refuses a file without certificate blocks, saying how to convert DER', () => {
    writeFileSync(join(dir, 'ca.cer'), Buffer.from([0x30, 0x82, 0x01, 0xb3]));
    expect(() => validateCaBundle('ca.cer', dir)).toThrow(
      'Invalid caBundlePath "ca.cer": not a PEM certificate bundle; expected one or more -----BEGIN CERTIFICATE----- … -----END CERTIFICATE----- blocks (convert a DER file with: openssl x509 -inform der -in ca.cer -out ca.pem).',
    );
  });

  it('refuses a bundle that also holds a private key', () => {
    writeFileSync(join(dir, 'ca.pem'), `${PEM_CERTIFICATE}-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n`);
    expect(() => validateCaBundle('ca.pem', dir)).toThrow(
      'Invalid caBundlePath "ca.pem": the file contains a private key. Bundle only the CA certificates (-----BEGIN CERTIFICATE----- blocks); the key must never be deployed.',
    );
  });

  it('refuses an RSA private key too', () => {
    writeFileSync(join(dir, 'ca.pem'), `${PEM_CERTIFICATE}-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n`);
    expect(() => validateCaBundle('ca.pem', dir)).toThrow(/the file contains a private key/);
  });

  it('refuses a file over 1 MB', () => {
    writeFileSync(join(dir, 'big.pem'), PEM_CERTIFICATE.repeat(6000));
    expect(() => validateCaBundle('big.pem', dir)).toThrow(/^Invalid caBundlePath "big\.pem": \d+ bytes is too large for a CA bundle \(at most 1048576\)\.$/);
  });

  it('is read by the function from /var/task/extra-ca-certs.pem', () => {
    expect(CA_BUNDLE_RUNTIME_PATH).toBe('/var/task/extra-ca-certs.pem');
  });
});
