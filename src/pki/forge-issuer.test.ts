import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { opensslAuthority } from '../../test/helpers/pki.ts';
import { createRootAuthority, forgeAuthorityFromPem, issueWithNewKey } from './forge-issuer.ts';

const DAY_MS = 86_400_000;
const validity = () => ({ notBefore: new Date(Date.now() - DAY_MS), notAfter: new Date(Date.now() + DAY_MS) });

/** OpenSSL's reading of a certificate, with each name attribute's string type. */
function opensslText(pem: string): string {
  return execFileSync('openssl', ['x509', '-noout', '-text', '-nameopt', 'show_type,sep_comma_plus'], { input: pem, encoding: 'utf8' });
}

describe('node-forge certificates', () => {
  it('makes a self-signed RSA-2048 CA with critical CA basic constraints, CA key usage and a key identifier', async () => {
    const ca = await createRootAuthority({ name: { organization: 'Acme', commonName: 'Root' }, ...validity() });
    const cert = new X509Certificate(ca.certPem);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toBe('O=Acme\nCN=Root');
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(createPrivateKey(ca.keyPem).asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(ca.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[^\r]+-----END PRIVATE KEY-----\n$/);
    const text = opensslText(ca.certPem);
    expect(text).toMatch(/Basic Constraints: critical\n\s+CA:TRUE/);
    expect(text).toMatch(/Key Usage: critical\n\s+Certificate Sign, CRL Sign/);
    expect(text).toContain('Signature Algorithm: sha256WithRSAEncryption');
    expect(text).toMatch(/Subject Key Identifier: \n\s+[0-9A-F:]{59}/);
  });

  it('issues server and client certificates with their EKU, DNS/IP/URI names, UTF8String names and the CA\'s key identifier', async () => {
    const ca = await createRootAuthority({ name: { commonName: 'Issuer' }, ...validity() });
    const server = await issueWithNewKey(ca, {
      name: { commonName: 'svc_1.test' }, altNames: [{ dns: 'svc_1.test' }, { ip: '127.0.0.1' }, { ip: '::1' }], purpose: 'server', ...validity(),
    });
    const client = await issueWithNewKey(ca, {
      name: { commonName: 'agent@acme' }, altNames: [{ uri: 'spiffe://acme.internal/agent/a' }], purpose: 'client', ...validity(),
    });
    const caCert = new X509Certificate(ca.certPem);
    const serverCert = new X509Certificate(server.certPem);
    const clientCert = new X509Certificate(client.certPem);
    expect(serverCert.checkIssued(caCert) && serverCert.verify(caCert.publicKey)).toBe(true);
    expect(serverCert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(clientCert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(serverCert.subjectAltName).toBe('DNS:svc_1.test, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(clientCert.subjectAltName).toBe('URI:spiffe://acme.internal/agent/a');
    expect(serverCert.checkPrivateKey(createPrivateKey(server.keyPem))).toBe(true);

    const text = opensslText(client.certPem);
    expect(text).toContain('Subject: CN=UTF8STRING:agent@acme');
    expect(text).toMatch(/Basic Constraints: critical\n\s+CA:FALSE/);
    expect(text).toMatch(/Key Usage: critical\n\s+Digital Signature, Key Encipherment/);
    const caKeyId = /Subject Key Identifier: \n\s+([0-9A-F:]+)/.exec(opensslText(ca.certPem))?.[1];
    expect(caKeyId).toBeDefined();
    expect(text).toMatch(new RegExp(`Authority Key Identifier: \\n\\s+(keyid:)?${caKeyId}`));
  });

  it('loads its own CA back from PEM and refuses a CA whose key forge cannot hold', async () => {
    const ca = await createRootAuthority({ name: { commonName: 'Reload' }, ...validity() });
    const loaded = forgeAuthorityFromPem(ca.certPem, ca.keyPem);
    const issued = await issueWithNewKey(loaded, { name: { commonName: 'again' }, altNames: [], purpose: 'client', ...validity() });
    expect(new X509Certificate(issued.certPem).checkIssued(new X509Certificate(ca.certPem))).toBe(true);

    const ec = await opensslAuthority({ commonName: 'EC' });
    expect(() => forgeAuthorityFromPem(ec.certPem, ec.keyPem)).toThrow(/the CA key is ec; node-forge signs with RSA keys only/);
  });
});
