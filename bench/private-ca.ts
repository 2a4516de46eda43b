// A throwaway certificate authority and a leaf certificate for 127.0.0.1 and localhost, made at bench
// time, so the AWS stand-in speaks https as the real endpoints do. Lambda never calls AWS over
// plain http, and the transport changes what a cold start loads: over http:// the SDK imports
// node:http, which on Node >= 22 loads undici (14-30 ms) as an ES module; over https:// it loads TLS
// and the root certificates instead. Node's crypto can parse certificates but not issue them, so
// openssl (present on these machines) signs them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PrivateCa {
  /** PEM of the CA certificate alone: what NODE_EXTRA_CA_CERTS points at (caBundlePath). */
  caPem: string;
  /** A file holding only the CA certificate, for NODE_EXTRA_CA_CERTS of the processes measured. */
  caBundlePath: string;
  /** The stand-in's key and certificate (issued by the CA for IP 127.0.0.1 and DNS localhost). */
  key: string;
  cert: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Creates a new CA and leaf certificate in dir (overwriting what is there); valid for 2 days. */
export function createPrivateCa(dir: string): PrivateCa {
  mkdirSync(dir, { recursive: true });
  // P-256 keys: quick to generate, and what a TLS 1.3 handshake with a real AWS endpoint is close to.
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
  openssl(['req', '-x509', '-new', '-key', 'ca.key', '-sha256', '-days', '2', '-subj', '/CN=arcgis-token-vending bench CA (throwaway)', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'ca.pem'], dir);
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'leaf.key'], dir);
  openssl(['req', '-new', '-key', 'leaf.key', '-subj', '/CN=127.0.0.1', '-out', 'leaf.csr'], dir);
  writeFileSync(join(dir, 'leaf.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n');
  openssl(['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-sha256', '-extfile', 'leaf.ext', '-out', 'leaf.pem'], dir);
  const caPem = readFileSync(join(dir, 'ca.pem'), 'utf8');
  const caBundlePath = join(dir, 'ca-bundle.pem');
  writeFileSync(caBundlePath, caPem);
  return { caPem, caBundlePath, key: readFileSync(join(dir, 'leaf.key'), 'utf8'), cert: readFileSync(join(dir, 'leaf.pem'), 'utf8') };
}
