// config/prices.yaml: valid under the schema, included from a main file, a source per entry.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.ts';
import { PriceTable } from './prices.ts';

const PRICES_FILE = fileURLToPath(new URL('../../config/prices.yaml', import.meta.url));

async function loadPrices(): Promise<PriceTable> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-prices-'));
  writeFileSync(join(dir, 'prices.yaml'), readFileSync(PRICES_FILE));
  writeFileSync(join(dir, 'main.yaml'), 'version: 1\ninclude: [prices.yaml]\n');
  try {
    const config = await loadConfig(join(dir, 'main.yaml'), { env: {} });
    return new PriceTable(config.prices);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('config/prices.yaml', () => {
  it('loads through the config loader and prices dated model ids by their family', async () => {
    const table = await loadPrices();
    const expectations: [string, number, number][] = [
      ['gpt-4o-mini-2024-07-18', 0.15, 0.6],
      ['gpt-4o-2024-08-06', 2.5, 10],
      ['gpt-4o-2024-05-13', 5, 15],
      ['gpt-5-2025-08-07', 1.25, 10],
      ['gpt-5-pro-2025-10-06', 15, 120],
      ['gpt-4.1-mini-2025-04-14', 0.4, 1.6],
      ['o3-mini-2025-01-31', 1.1, 4.4],
      ['o3-pro-2025-06-10', 20, 80],
      ['claude-sonnet-4-5-20250929', 3, 15],
      ['claude-opus-4-20250514', 15, 75],
      ['claude-opus-4-5-20251101', 5, 25],
      ['claude-haiku-4-5-20251001', 1, 5],
      ['claude-3-5-haiku-20241022', 0.8, 4],
    ];
    for (const [model, input, output] of expectations) {
      expect([model, table.entryFor(model)?.input_per_mtok, table.entryFor(model)?.output_per_mtok]).toEqual([model, input, output]);
    }
    expect(table.entryFor('gpt-5.5')).toBeNull();
    expect(table.lookup('gpt-5.5')).toEqual({ input_per_mtok: 15, output_per_mtok: 75 });
  });

  it('cites a pricing page on every model line', () => {
    const lines = readFileSync(PRICES_FILE, 'utf8').split('\n');
    const start = lines.findIndex((line) => line.trim() === 'models:');
    const entries = lines.slice(start + 1).filter((line) => /^\s+[\w.-]+:\s*\{/.test(line));
    expect(entries.length).toBeGreaterThan(30);
    for (const line of entries) expect(line).toMatch(/# https:\/\/(developers\.openai\.com|platform\.claude\.com)\/\S+$/);
  });
});
