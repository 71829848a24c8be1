// The `${kind:arg}` reference syntax inside config strings (SPEC §4): `${env:NAME}`,
// `${file:PATH}`, `${secret:NAME}`. A reference may sit inside other text
// (`Bearer ${secret:openai}`), and a string may hold several.
//
// Escape: `$${` stands for a literal `${` (so `$${env:HOME}` is the text `${env:HOME}`,
// never resolved). A `$` anywhere else is literal; only `${` opens a reference.

export type ReferenceKind = 'env' | 'file' | 'secret';

export interface Reference {
  readonly kind: ReferenceKind;
  readonly arg: string;
  /** As written, e.g. `${env:OPENAI_API_KEY}`, for messages. */
  readonly raw: string;
}

export type TemplatePart = string | Reference;

const KINDS: ReadonlySet<string> = new Set<ReferenceKind>(['env', 'file', 'secret']);
const USAGE = 'use ${env:NAME}, ${file:PATH} or ${secret:NAME}; write $${ for a literal ${';

export function parseTemplate(text: string): { readonly parts: readonly TemplatePart[] } | { readonly error: string } {
  if (!text.includes('${')) return { parts: [text] };
  const parts: TemplatePart[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      literal += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      literal += text[i];
      i++;
      continue;
    }
    const close = text.indexOf('}', i + 2);
    if (close === -1) return { error: `unterminated reference '${text.slice(i)}' (${USAGE})` };
    const raw = text.slice(i, close + 1);
    const inner = text.slice(i + 2, close);
    const colon = inner.indexOf(':');
    const kind = colon === -1 ? '' : inner.slice(0, colon);
    const arg = colon === -1 ? '' : inner.slice(colon + 1);
    if (colon === -1) return { error: `reference '${raw}' has no kind (${USAGE})` };
    if (!KINDS.has(kind)) return { error: `unknown reference kind '${kind}' in '${raw}' (${USAGE})` };
    if (arg === '') return { error: `reference '${raw}' names nothing (${USAGE})` };
    if (literal !== '') parts.push(literal);
    literal = '';
    parts.push({ kind: kind as ReferenceKind, arg, raw });
    i = close + 1;
  }
  if (literal !== '') parts.push(literal);
  return { parts };
}
