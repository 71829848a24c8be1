// PEM armour (RFC 7468) around DER, and splitting a bundle into its blocks.

export function toPem(label: string, der: Uint8Array): string {
  const base64 = Buffer.from(der).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < base64.length; i += 64) lines.push(base64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** Every block of the given label, in order, as DER. */
export function pemBlocks(text: string, label: string): Buffer[] {
  const out: Buffer[] = [];
  for (const match of text.matchAll(BLOCK)) {
    if (match[1] === label) out.push(Buffer.from((match[2] ?? '').replace(/\s+/g, ''), 'base64'));
  }
  return out;
}
