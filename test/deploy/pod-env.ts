// The environment of the example agent pod (helm/portcullis/examples/agent-pod.yaml), made
// local: the Portcullis Service becomes the test gateway, and every /etc/portcullis/… path
// points into a directory laid out as the pod's volumes are. A `pod-env` fragment from
// docs/clients.md (the token agent) overrides variables of the same name.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

export const AGENT_POD = resolve(import.meta.dirname, '../../helm/portcullis/examples/agent-pod.yaml');
/** host:port of the Portcullis Service in the example pod's HTTPS_PROXY. */
export const POD_PROXY_AUTHORITY = 'portcullis.portcullis.svc:3128';
/** Where the pod mounts its identity, the interception CA and the CA bundle. */
export const POD_MOUNT_ROOT = '/etc/portcullis/';

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { readonly secretKeyRef?: { readonly name: string; readonly key: string } };
}

export function agentPodEnv(): EnvVar[] {
  const pod = parse(readFileSync(AGENT_POD, 'utf8')) as { spec: { containers: { name: string; env: EnvVar[] }[] } };
  const agent = pod.spec.containers.find((c) => c.name === 'agent');
  if (agent === undefined) throw new Error(`${AGENT_POD}: no container named 'agent'`);
  return agent.env;
}

export function envFragment(yamlText: string): EnvVar[] {
  return (parse(yamlText) as { env: EnvVar[] }).env;
}

export interface LocalEnvOptions {
  /** host:port of the test gateway. */
  readonly proxyAuthority: string;
  /** Local directory standing for /etc/portcullis/. */
  readonly mountRoot: string;
  /** The value of a secretKeyRef. */
  readonly secret: (ref: { name: string; key: string }) => string;
}

/** Resolves the variables in order, as the kubelet does (`$(NAME)` sees earlier ones only). */
export function localEnv(base: readonly EnvVar[], overrides: readonly EnvVar[], options: LocalEnvOptions): Record<string, string> {
  const names = new Set(overrides.map((v) => v.name));
  const env: Record<string, string> = {};
  for (const variable of [...base.filter((v) => !names.has(v.name)), ...overrides]) {
    const ref = variable.valueFrom?.secretKeyRef;
    let value = ref !== undefined ? options.secret(ref)
      : (variable.value ?? '').replace(/\$\((\w+)\)/g, (whole, name: string) => env[name] ?? whole);
    value = value.replace(POD_PROXY_AUTHORITY, options.proxyAuthority);
    if (value.startsWith(POD_MOUNT_ROOT)) value = resolve(options.mountRoot, value.slice(POD_MOUNT_ROOT.length));
    env[variable.name] = value;
  }
  return env;
}
