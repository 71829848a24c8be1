// Renders the chart (helm-render/main.go: text/template + sprig, as Helm does) and checks what
// comes out: manifests that parse, a config the real loader accepts once laid out as the pod
// sees it, the refusals `fail` promises, and the lock-down and alerts. Optional: needs Go and
// Debian's golang-github-masterminds-sprig-dev and golang-gopkg-yaml.v3-dev; skipped loudly
// without them (values.schema.json is still checked by helm-values.test.ts).
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { makeTestPki, type TestPki } from '../helpers/pki.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const CHART = join(ROOT, 'helm/portcullis');
const RENDERER = join(import.meta.dirname, 'helm-render/main.go');
const GOPATH = '/usr/share/gocode';

type Manifest = Record<string, any>;

function rendererAvailable(): boolean {
  const sprig = existsSync(join(GOPATH, 'src/github.com/Masterminds/sprig'));
  const yamlV3 = existsSync(join(GOPATH, 'src/gopkg.in/yaml.v3'));
  let go = false;
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    go = true;
  } catch {
    go = false;
  }
  if (!(go && sprig && yamlV3)) {
    console.warn('\n!!!!!!!!\n!!! Go, sprig or yaml.v3 missing (optional: apt-get install golang-go ' +
      'golang-github-masterminds-sprig-dev golang-gopkg-yaml.v3-dev); SKIPPING the chart rendering tests.\n!!!!!!!!\n');
  }
  return go && sprig && yamlV3;
}

const available = rendererAvailable();

describe.skipIf(!available)('helm/portcullis rendered', () => {
  let dir: string;
  let binary: string;
  let pki: TestPki;
  let certs: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-render-'));
    binary = join(dir, 'helm-render');
    await new Promise<void>((done, fail) => execFile('go', ['build', '-o', binary, RENDERER], {
      env: { ...process.env, GO111MODULE: 'off', GOPATH, GOFLAGS: '' }, timeout: 170_000,
    }, (error, _out, stderr) => (error ? fail(new Error(stderr)) : done())));
    pki = await makeTestPki();
    // What an operator passes with --set-file: the public agent CA and interception CA.
    certs = join(dir, 'certs.yaml');
    await writeFile(certs, JSON.stringify({
      proxy: { clientCa: { cert: pki.agentCa.cert } },
      agentNamespaces: { caConfigMap: { cert: pki.interceptionCa.cert } },
    }));
  }, 180_000);
  afterAll(async () => {
    await pki?.cleanup();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  async function render(...valueFiles: string[]): Promise<{ ok: boolean; manifests: Manifest[]; stderr: string }> {
    const out = await new Promise<{ ok: boolean; stdout: string; stderr: string }>((done) => {
      execFile(binary, [CHART, ...valueFiles], { timeout: 20_000 }, (error, stdout, stderr) => done({ ok: error === null, stdout, stderr }));
    });
    const documents = out.ok ? parseAllDocuments(out.stdout) : [];
    expect(documents.flatMap((d) => d.errors.map((e) => e.message)), 'rendered YAML parses').toEqual([]);
    return { ok: out.ok, manifests: documents.map((d) => d.toJS() as Manifest).filter((m) => m !== null), stderr: out.stderr };
  }

  const one = (manifests: Manifest[], kind: string, name?: string): Manifest => {
    const found = manifests.filter((m) => m['kind'] === kind && (name === undefined || m['metadata'].name === name));
    expect(found, `${kind} ${name ?? ''}`).toHaveLength(1);
    return found[0]!;
  };

  /** The pod's /etc/portcullis: the projected volume's items, from the rendered ConfigMaps and the test PKI. */
  async function loadRenderedConfig(manifests: Manifest[], env: Record<string, string>): Promise<number> {
    const root = await mkdtemp(join(dir, 'etc-portcullis-'));
    const deployment = one(manifests, 'Deployment');
    const pemFor: Record<string, string> = {
      'tls/interception/tls.crt': pki.interceptionCa.cert, 'tls/interception/tls.key': pki.interceptionCa.key,
      'tls/proxy/tls.crt': pki.proxy.cert, 'tls/proxy/tls.key': pki.proxy.key,
      'tls/client-ca/ca.crt': pki.agentCa.cert,
    };
    const volume = deployment['spec'].template.spec.volumes.find((v: Manifest) => v['name'] === 'config');
    for (const source of volume.projected.sources as Manifest[]) {
      const configMap = source['configMap'] === undefined ? null : one(manifests, 'ConfigMap', source['configMap'].name);
      for (const item of (source['configMap'] ?? source['secret']).items as Manifest[]) {
        const content = configMap === null ? pemFor[item['path']] : configMap['data'][item['key']];
        expect(content, `content for ${item['path']}`).toBeDefined();
        await mkdir(dirname(join(root, item['path'])), { recursive: true });
        await writeFile(join(root, item['path']), content);
      }
    }
    const config = await loadConfig(join(root, 'portcullis.yaml'), { env });
    return config.policy.agents.size;
  }

  it('values.yaml (with the two public CA certificates): the expected objects, and a config the gateway loads', async () => {
    const { ok, manifests, stderr } = await render(certs);
    expect(ok, stderr).toBe(true);
    const kinds = manifests.map((m) => m['kind']).sort();
    expect(kinds).toEqual(['ConfigMap', 'ConfigMap', 'Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'Secret', 'Service', 'ServiceAccount']);
    expect(await loadRenderedConfig(manifests, {})).toBe(1);

    const pod = one(manifests, 'Deployment')['spec'].template.spec;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(25 + (pod.containers[0].lifecycle?.preStop?.sleep?.seconds ?? 0));
    const container = pod.containers[0];
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'admin' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'admin' });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(container.volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/portcullis', readOnly: true });
    expect(one(manifests, 'Service')['spec'].ports.map((p: Manifest) => p['port'])).toEqual([3128, 9090]);
  });

  it('examples/values-production.yaml: Redis, alerts, HPA, and every agent namespace locked down', async () => {
    const { ok, manifests, stderr } = await render(join(CHART, 'examples/values-production.yaml'), certs);
    expect(ok, stderr).toBe(true);
    expect(await loadRenderedConfig(manifests, {
      PORTCULLIS_ADMIN_TOKEN: 'admin', PORTCULLIS_STORE_URL: 'redis://127.0.0.1:6379/0', OPENAI_API_KEY: 'sk-test',
    })).toBe(2);
    one(manifests, 'HorizontalPodAutoscaler');
    one(manifests, 'ServiceMonitor');

    const rules = one(manifests, 'PrometheusRule')['spec'].groups[0].rules as Manifest[];
    const alerts = rules.map((r) => r['alert']);
    for (const alert of ['PortcullisDenySpike', 'PortcullisBudgetNearlySpent', 'PortcullisAuditDropped', 'PortcullisStoreErrors']) {
      expect(alerts).toContain(alert);
    }
    const budgetRules = rules.filter((r) => r['alert'] === 'PortcullisBudgetNearlySpent').map((r) => r['expr'].trim());
    expect(budgetRules).toContain('portcullis_budget_remaining_usd{agent="finance-auditor",budget="daily-inference"} <= 50 * (1 - 0.8)');
    expect(budgetRules).toContain('portcullis_budget_remaining_usd{budget="monthly"} <= 2000 * (1 - 0.8)');

    const lockdowns = manifests.filter((m) => m['kind'] === 'NetworkPolicy' && m['metadata'].namespace !== undefined);
    expect(lockdowns.map((m) => m['metadata'].namespace).sort()).toEqual(['agents', 'ci']);
    for (const policy of lockdowns) {
      expect(policy['spec'].policyTypes).toEqual(['Egress']);
      const [toProxy, toDns, ...rest] = policy['spec'].egress as Manifest[];
      expect(rest).toEqual([]);
      expect(toProxy!['ports']).toEqual([{ port: 3128, protocol: 'TCP' }]);
      expect(toProxy!['to']).toEqual([{
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'portcullis' } },
        podSelector: { matchLabels: one(manifests, 'Deployment')['spec'].selector.matchLabels },
      }]);
      expect(toDns!['ports'].map((p: Manifest) => p['port'])).toEqual([53, 53]);
    }
    const caMaps = manifests.filter((m) => m['kind'] === 'ConfigMap' && m['metadata'].name === 'portcullis-ca');
    expect(caMaps.map((m) => m['data']['ca.crt'].trim())).toEqual([pki.interceptionCa.cert.trim(), pki.interceptionCa.cert.trim()]);
  });

  it.each(readdirSync(join(import.meta.dirname, 'values')).filter((f) => f.startsWith('good-')))('%s renders', async (file) => {
    const { ok, stderr } = await render(join(import.meta.dirname, 'values', file), certs);
    expect(ok, stderr).toBe(true);
  });

  it.each([
    ['replicaCount: 3', /needs a shared Redis store/],
    ['autoscaling: { enabled: true }', /needs a shared Redis store/],
    ['proxy: { clientCa: { cert: "" } }', /CA that signs agent client certificates/],
    ['interception: { existingSecret: "" }', /interception CA is required/],
    ['agentNamespaces: { names: [agents], caConfigMap: { cert: "" } }', /caConfigMap needs the interception CA certificate/],
    ['audit: { redisStream: { enabled: true } }', /store's Redis/],
  ])('refuses %s with a message that says what to set', async (values, message) => {
    const file = join(dir, `bad-${Math.random().toString(36).slice(2)}.yaml`);
    await writeFile(file, values);
    const { ok, stderr } = await render(certs, file);
    expect(ok).toBe(false);
    expect(stderr).toMatch(message);
  });

  it('the chart has exactly the templates rendered above, and NOTES.txt names the proxy', async () => {
    const { manifests } = await render(join(CHART, 'examples/values-production.yaml'), certs);
    const sources = new Set(['configmap-agent-ca', 'configmap-policy', 'configmap', 'deployment', 'hpa', 'networkpolicy-agents',
      'networkpolicy', 'pdb', 'prometheusrule', 'secrets', 'service', 'serviceaccount', 'servicemonitor']);
    const templates = readdirSync(join(CHART, 'templates')).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, ''));
    expect(new Set(templates)).toEqual(sources);
    expect(manifests.length).toBeGreaterThanOrEqual(sources.size);
    expect(readFileSync(join(CHART, 'templates/NOTES.txt'), 'utf8')).toContain('HTTPS_PROXY=https://');
  });
});
