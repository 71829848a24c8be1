// The policy version stamped on every audit record (SPEC §4, §6): `sha256:` of the RFC 8785
// canonical JSON of the public view, so key order and formatting never change it, and a
// rotated secret does not either (the view holds no secret values).
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

export function configVersion(view: unknown): string {
  const canonical = canonicalize(view) ?? 'null';
  return `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
}
