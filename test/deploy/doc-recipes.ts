// Reads the runnable recipes out of docs/clients.md, so the test runs exactly what the page
// shows. A recipe is a set of fenced blocks, each preceded by a marker comment:
//   <!-- recipe: ID identity=mtls|token file=NAME -->   a file the recipe writes
//   <!-- recipe: ID -->                                  the shell command that runs it
// and `<!-- pod-env: NAME -->` marks a YAML `env:` fragment that overrides the example pod's.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const CLIENTS_DOC = resolve(import.meta.dirname, '../../docs/clients.md');

export type Identity = 'mtls' | 'token';

export interface RecipeFile {
  readonly name: string;
  readonly code: string;
}

export interface Recipe {
  readonly id: string;
  readonly identity: Identity;
  readonly files: readonly RecipeFile[];
  /** Bash, run in the directory holding `files`. */
  readonly command: string;
}

export interface ClientsDoc {
  readonly recipes: ReadonlyMap<string, Recipe>;
  readonly podEnv: ReadonlyMap<string, string>;
}

const BLOCK = /<!-- (recipe|pod-env): ([\w-]+)((?: [\w]+=[^\s]+)*) -->\n```(\w+)\n([\s\S]*?)\n```/g;

export function readClientsDoc(text = readFileSync(CLIENTS_DOC, 'utf8')): ClientsDoc {
  const parts = new Map<string, { identity?: Identity; files: RecipeFile[]; command?: string }>();
  const podEnv = new Map<string, string>();
  for (const [, kind, id, attrText, , code] of text.matchAll(BLOCK)) {
    if (kind === 'pod-env') {
      podEnv.set(id!, code!);
      continue;
    }
    const attrs = Object.fromEntries(attrText!.trim().split(/\s+/).filter(Boolean).map((a) => a.split('=') as [string, string]));
    const part = parts.get(id!) ?? { files: [] };
    parts.set(id!, part);
    if (attrs['identity'] !== undefined) {
      if (attrs['identity'] !== 'mtls' && attrs['identity'] !== 'token') throw new Error(`recipe ${id}: identity must be mtls or token`);
      if (part.identity !== undefined) throw new Error(`recipe ${id}: identity given twice`);
      part.identity = attrs['identity'];
    }
    if (attrs['file'] !== undefined) part.files.push({ name: attrs['file'], code: code! });
    else if (part.command !== undefined) throw new Error(`recipe ${id}: two command blocks`);
    else part.command = code!;
  }
  const recipes = new Map<string, Recipe>();
  for (const [id, part] of parts) {
    if (part.identity === undefined || part.command === undefined) {
      throw new Error(`recipe ${id} in docs/clients.md needs one block with identity= and one command block`);
    }
    recipes.set(id, { id, identity: part.identity, files: part.files, command: part.command });
  }
  return { recipes, podEnv };
}
