/**
 * A throwaway certificate for 127.0.0.1, made by `openssl` for one bench run, so the cold-start
 * children speak https to the loopback parts as a deployed function does to AWS and mesibo (the TLS
 * handshake, and the SDK's https path rather than its http one). The children trust it through
 * NODE_EXTRA_CA_CERTS; the key never leaves the run's temporary directory.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface LoopbackTls {
  key: Buffer;
  cert: Buffer;
  /** The certificate's path, for NODE_EXTRA_CA_CERTS. */
  certFile: string;
}

export const loopbackTls = async (dir: string): Promise<LoopbackTls> => {
  const keyFile = join(dir, 'loopback-key.pem');
  const certFile = join(dir, 'loopback-cert.pem');
  // A P-256 key is quick to make; one day outlives any run.
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  args.push('-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1');
  args.push('-addext', 'subjectAltName=IP:127.0.0.1');
  try {
    await promisify(execFile)('openssl', args);
  } catch (err) {
    throw new Error(
      `the cold-start bench needs openssl to make a loopback certificate: ${(err as Error).message}`,
    );
  }
  const [key, cert] = await Promise.all([readFile(keyFile), readFile(certFile)]);
  return { key, cert, certFile };
};
