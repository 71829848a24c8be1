// `Authorization: Bearer <admin token>` for everything under /v1 (SPEC §7). Both sides are
// hashed before the constant-time compare, so neither the token's bytes nor its length leak
// through timing. With no token configured the API stays closed: never open by default.
import { createHash, timingSafeEqual } from 'node:crypto';
import { AdminError } from './admin-error.ts';

const CHALLENGE = { 'www-authenticate': 'Bearer realm="portcullis-admin"' };

/** Returns a check that throws 401 unless the header carries `token`. */
export function bearerCheck(token: string | null): (authorization: string | undefined) => void {
  if (token === null || token === '') {
    return () => {
      throw new AdminError(401, 'unauthorized',
        'the admin token is not configured (listen.admin.token), so the /v1 API is disabled', { headers: CHALLENGE });
    };
  }
  const expected = digest(token);
  return (authorization) => {
    const m = authorization === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (m === null) throw new AdminError(401, 'unauthorized', 'missing bearer token (Authorization: Bearer <admin token>)', { headers: CHALLENGE });
    if (!timingSafeEqual(digest(m[1] as string), expected)) {
      throw new AdminError(401, 'unauthorized', 'wrong admin token', { headers: CHALLENGE });
    }
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
