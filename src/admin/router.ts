// The admin API's route table: a path pattern, the methods it answers and the query
// parameters it accepts. Matching is by segment (`:name` captures one, percent-decoded), so
// an id can never smuggle a `/` into another route.
import { AdminError, badRequest } from './admin-error.ts';

export type Method = 'GET' | 'POST' | 'PUT';

export interface AdminRequest {
  /** Captured `:name` segments, decoded. */
  readonly params: Readonly<Record<string, string>>;
  /** Only the route's accepted parameters, each at most once. */
  readonly query: ReadonlyMap<string, string>;
  /** The parsed JSON body; undefined when the body is empty. */
  body(): Promise<unknown>;
}

export type Reply =
  | { readonly status: number; readonly json: unknown }
  | { readonly status: number; readonly text: string; readonly contentType: string };

export type Handler = (request: AdminRequest) => Promise<Reply> | Reply;

export interface Route {
  readonly path: string;
  readonly methods: Readonly<Partial<Record<Method, Handler>>>;
  /** Accepted query parameters; anything else is a 400. */
  readonly query?: readonly string[];
}

export interface RouteMatch {
  readonly route: Route;
  readonly params: Readonly<Record<string, string>>;
}

export class Router {
  readonly #routes: { readonly segments: readonly string[]; readonly route: Route }[];

  constructor(routes: readonly Route[]) {
    this.#routes = routes.map((route) => ({ segments: route.path.split('/'), route }));
  }

  /** The route for `path`, or a 404. */
  match(path: string): RouteMatch {
    const parts = path.split('/');
    for (const { segments, route } of this.#routes) {
      if (segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      const matched = segments.every((segment, i) => {
        const part = parts[i] as string;
        if (!segment.startsWith(':')) return segment === part;
        if (part === '') return false;
        params[segment.slice(1)] = decodeSegment(part);
        return true;
      });
      if (matched) return { route, params };
    }
    throw new AdminError(404, 'not_found', `no admin endpoint at ${path}`);
  }
}

function decodeSegment(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw badRequest('invalid_path', `'${part}' is not a valid percent-encoded path segment`);
  }
}

/** `GET` routes also answer `HEAD` (load balancers probe /healthz that way). */
export function allowedMethods(route: Route): string[] {
  const methods = Object.keys(route.methods);
  return methods.includes('GET') ? [...methods, 'HEAD'] : methods;
}

export function json(body: unknown, status = 200): Reply {
  return { status, json: body };
}
