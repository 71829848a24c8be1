// The Helm chart without a helm binary: values.yaml and every override in test/deploy/values/
// against values.schema.json (as `helm install -f` would check them), the chart's embedded copy
// of the config schema, the default policy through the real config loader, and every plain
// YAML file under helm/ and docs/ through the yaml parser.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { makeTestPki, type TestPki } from '../helpers/pki.ts';
import { coalesce } from './coalesce.ts';
import { readValuesSchema, syncedValuesSchema, valuesSchemaText } from './values-schema.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const CHART = join(ROOT, 'helm/portcullis');
const OVERRIDES = join(import.meta.dirname, 'values');

type Values = Record<string, any>;

const schema = readValuesSchema();
const validate = new Ajv({ allErrors: true }).compile(schema);
const defaults = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Values;

function errorsOf(values: Values): ErrorObject[] {
  return validate(values) ? [] : [...(validate.errors ?? [])];
}

const describeErrors = (errors: readonly ErrorObject[]): string =>
  errors.map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`).join('\n');

/** `# expect: valid` or `# expect: invalid /instance/path` on the first line. */
function expectation(file: string): { valid: true } | { valid: false; path: string } {
  const first = readFileSync(file, 'utf8').split('\n')[0] ?? '';
  const m = /^# expect: (valid|invalid (\/\S*))$/.exec(first);
  if (m === null) throw new Error(`${file}: the first line must be '# expect: valid' or '# expect: invalid /path'`);
  return m[1] === 'valid' ? { valid: true } : { valid: false, path: m[2]! };
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'templates' ? [] : yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

describe('values.schema.json', () => {
  it('accepts the chart\'s values.yaml', () => {
    expect(describeErrors(errorsOf(defaults))).toBe('');
  });

  it('accepts examples/values-production.yaml over the defaults', () => {
    const production = parse(readFileSync(join(CHART, 'examples/values-production.yaml'), 'utf8')) as Values;
    expect(describeErrors(errorsOf(coalesce(defaults, production)))).toBe('');
  });

  const files = readdirSync(OVERRIDES).filter((f) => f.endsWith('.yaml')).sort();
  it('has good and bad override files', () => {
    expect(files.filter((f) => f.startsWith('good-')).length).toBeGreaterThanOrEqual(3);
    expect(files.filter((f) => f.startsWith('bad-')).length).toBeGreaterThanOrEqual(5);
  });

  it.each(files)('%s', (file) => {
    const path = join(OVERRIDES, file);
    const expected = expectation(path);
    expect(file.startsWith(expected.valid ? 'good-' : 'bad-'), 'file name says good- or bad-').toBe(true);
    const errors = errorsOf(coalesce(defaults, parse(readFileSync(path, 'utf8')) as Values));
    if (expected.valid) {
      expect(describeErrors(errors)).toBe('');
    } else {
      expect(errors.length, `${file} must be refused`).toBeGreaterThan(0);
      expect(errors.map((e) => e.instancePath), describeErrors(errors)).toContain(expected.path);
      expect(errors.find((e) => e.instancePath === expected.path)!.message).toBeTruthy();
    }
  });

  it('carries the config schema\'s current definitions for the policy keys', () => {
    // Stale? Run: node test/deploy/sync-values-schema.ts
    expect(valuesSchemaText(schema)).toBe(valuesSchemaText(syncedValuesSchema(schema)));
  });
});

describe('the chart\'s default policy', () => {
  let pki: TestPki;
  beforeAll(async () => { pki = await makeTestPki(); });
  afterAll(async () => { await pki?.cleanup(); });

  // The layout deployment.yaml projects into /etc/portcullis, with the chart's own part of the
  // config reduced to what the loader needs, and values.policy as policy/policy.yaml.
  async function loadWithPolicy(policy: Values, env: Record<string, string> = {}): Promise<number> {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-chart-'));
    try {
      await mkdir(join(dir, 'policy'));
      await writeFile(join(dir, 'policy/policy.yaml'), JSON.stringify(policy));
      await writeFile(join(dir, 'portcullis.yaml'), `version: 1
include: [policy/policy.yaml]
listen:
  proxy: { host: 127.0.0.1, port: 0, tls: { cert: ${pki.proxy.certFile}, key: ${pki.proxy.keyFile}, client_ca: ${pki.agentCa.certFile} } }
interception: { ca_cert: ${pki.interceptionCa.certFile}, ca_key: ${pki.interceptionCa.keyFile} }
audit: { sinks: [{ type: stdout }] }
`);
      const config = await loadConfig(join(dir, 'portcullis.yaml'), { env });
      return config.policy.agents.size;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('values.yaml\'s policy loads and compiles as a Portcullis config', async () => {
    expect(await loadWithPolicy(defaults['policy'] as Values)).toBe(Object.keys(defaults['policy'].agents).length);
  });

  it('examples/values-production.yaml\'s policy loads too (with its ${env:…} set)', async () => {
    const production = parse(readFileSync(join(CHART, 'examples/values-production.yaml'), 'utf8')) as Values;
    const policy = coalesce(defaults, production)['policy'] as Values;
    expect(await loadWithPolicy(policy, { OPENAI_API_KEY: 'sk-test' })).toBe(Object.keys(policy['agents']).length);
  });
});

describe('chart templates agree with each other', () => {
  const template = (name: string): string => readFileSync(join(CHART, 'templates', name), 'utf8');

  it('every certificate path the config names is projected by the Deployment, and no other', () => {
    const paths = (text: string): string[] => [...new Set(text.match(/tls\/[\w-]+\/[\w.-]+/g) ?? [])].sort();
    expect(paths(template('configmap.yaml'))).toEqual(paths(template('deployment.yaml')));
    expect(paths(template('configmap.yaml')).length).toBeGreaterThanOrEqual(5);
  });

  it('the config is mounted where the image\'s CMD reads it, and probes use the admin port', () => {
    const deployment = template('deployment.yaml');
    expect(deployment).toContain('mountPath: /etc/portcullis,');
    expect(deployment).toContain('key: portcullis.yaml, path: portcullis.yaml');
    expect(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')).toContain('"-c", "/etc/portcullis/portcullis.yaml"');
    expect(deployment).toMatch(/livenessProbe:\s+httpGet: \{ path: \/healthz, port: admin \}/);
    expect(deployment).toMatch(/readinessProbe:\s+httpGet: \{ path: \/readyz, port: admin \}/);
  });

  it('every helper a template includes is defined', () => {
    const dir = join(CHART, 'templates');
    const all = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    const defined = new Set([...all.matchAll(/define "([\w.]+)"/g)].map((m) => m[1]));
    const used = new Set([...all.matchAll(/include "([\w.]+)"/g)].map((m) => m[1]));
    expect([...used].filter((u) => !defined.has(u))).toEqual([]);
  });
});

describe('plain YAML under helm/ and docs/', () => {
  const files = [...yamlFiles(join(ROOT, 'helm')), ...yamlFiles(join(ROOT, 'docs'))];
  it('includes the chart files and the examples', () => {
    const names = files.map((f) => basename(f));
    for (const name of ['Chart.yaml', 'values.yaml', 'cert-manager.yaml', 'agent-pod.yaml', 'values-production.yaml']) {
      expect(names).toContain(name);
    }
  });

  it.each(files.map((f) => relative(ROOT, f)))('%s parses', (file) => {
    const docs = parseAllDocuments(readFileSync(join(ROOT, file), 'utf8'));
    for (const doc of docs) expect(doc.errors.map((e) => e.message)).toEqual([]);
  });

  it('every ```yaml block in docs/*.md parses', () => {
    const docsDir = join(ROOT, 'docs');
    const blocks = readdirSync(docsDir).filter((f) => f.endsWith('.md'))
      .flatMap((f) => [...readFileSync(join(docsDir, f), 'utf8').matchAll(/```yaml\n([\s\S]*?)\n```/g)].map((m) => m[1]!));
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) expect(() => parse(block)).not.toThrow();
  });

  it('cert-manager example: an agent Certificate with its SPIFFE URI, mounted by the agent pod', () => {
    const resources = parseAllDocuments(readFileSync(join(CHART, 'examples/cert-manager.yaml'), 'utf8'))
      .map((d) => d.toJS() as Values).filter((r) => r !== null);
    const agentCert = resources.find((r) => r['kind'] === 'Certificate' && r['spec'].uris !== undefined)!;
    expect(agentCert['spec'].uris).toEqual(['spiffe://acme.internal/agent/finance-auditor']);
    expect(agentCert['spec'].usages).toContain('client auth');
    expect(defaults['policy'].agents['finance-auditor'].match.spiffe).toBe(agentCert['spec'].uris[0]);
    const pod = parse(readFileSync(join(CHART, 'examples/agent-pod.yaml'), 'utf8')) as Values;
    const identity = pod['spec'].volumes.find((v: Values) => v['secret']?.secretName === agentCert['spec'].secretName);
    expect(identity, 'the pod mounts the Certificate\'s Secret').toBeDefined();
    const mount = pod['spec'].containers[0].volumeMounts.find((m: Values) => m['name'] === identity.name).mountPath;
    const env = Object.fromEntries(pod['spec'].containers[0].env.map((e: Values) => [e['name'], e['value']]));
    expect(env['AGENT_CERT']).toBe(`${mount}/tls.crt`);
    expect(env['AGENT_KEY']).toBe(`${mount}/tls.key`);
  });
});
