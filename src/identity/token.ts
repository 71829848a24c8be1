// Proxy-Authorization tokens (SPEC §3): `Basic base64(agent-id:token)` or `Bearer token`.
// Config holds only sha256 digests; we hash what the client sent and look the digest up, so
// the raw token is never stored, compared or logged.
import { createHash } from 'node:crypto';

export interface PresentedToken {
  /** The agent id from Basic credentials; null for Bearer. */
  readonly claimedAgent: string | null;
  /** Lower-case hex sha256 of the raw token. */
  readonly sha256: string;
}

/** Null when the header is absent; a string describes a malformed header. */
export function parseProxyAuthorization(header: string | undefined): PresentedToken | string | null {
  if (header === undefined || header === '') return null;
  const space = header.indexOf(' ');
  const scheme = (space === -1 ? header : header.slice(0, space)).toLowerCase();
  const value = space === -1 ? '' : header.slice(space + 1).trim();
  if (scheme === 'bearer') {
    if (value === '') return 'Proxy-Authorization: empty bearer token';
    return { claimedAgent: null, sha256: digest(value) };
  }
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0 || colon === decoded.length - 1) {
      return 'Proxy-Authorization: Basic credentials must be agent-id:token';
    }
    return { claimedAgent: decodeURIComponentSafe(decoded.slice(0, colon)), sha256: digest(decoded.slice(colon + 1)) };
  }
  return `Proxy-Authorization: unsupported scheme '${scheme}' (use Basic or Bearer)`;
}

function digest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

// Clients put the id in the proxy URL (https://agent-id:token@host), and some percent-encode it.
function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
