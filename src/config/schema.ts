// The wire shape of the configuration file (SPEC §4), declared once. TypeBox gives us, from
// this single source, the TypeScript types the loader returns, the JSON Schema that ajv
// validates against, and `config/schema.json` for editors (`npm run schema`). Everything past
// config/ sees compiled types, never these.
import { Type, type Static, type TSchema } from '@sinclair/typebox';

// Every object is closed: unknown keys are errors (SPEC §4).
const Obj = <T extends Parameters<typeof Type.Object>[0]>(props: T, description?: string) =>
  Type.Object(props, { additionalProperties: false, ...(description ? { description } : {}) });
const Dict = <T extends TSchema>(value: T, description?: string) =>
  Type.Record(Type.String(), value, description ? { description } : {});

export const DURATION_PATTERN = '^[0-9]+(ms|s|m|h|d)$';
export const RATE_PATTERN = '^[1-9][0-9]*/(s|min|hour|day)$';

const Duration = Type.String({
  pattern: DURATION_PATTERN,
  description: 'a duration: 500ms, 60s, 10m, 2h, 1d',
});
const Rate = Type.String({
  pattern: RATE_PATTERN,
  description: 'a rate N/s|min|hour|day, e.g. 120/min',
});
const Port = Type.Integer({ minimum: 0, maximum: 65535 });
const Usd = Type.Number({ minimum: 0 });
const NonEmpty = Type.String({ minLength: 1 });
const Mode = Type.Union([Type.Literal('enforce'), Type.Literal('report'), Type.Literal('disabled')]);
const OneOrMany = <T extends TSchema>(item: T) => Type.Union([item, Type.Array(item, { minItems: 1 })]);

const ProxyTls = Obj({
  cert: NonEmpty,
  key: NonEmpty,
  client_ca: NonEmpty,
  crl: Type.Optional(NonEmpty),
});

const Listen = Obj({
  proxy: Obj({ host: NonEmpty, port: Port, tls: Type.Optional(ProxyTls) }),
  admin: Type.Optional(Obj({ host: NonEmpty, port: Port, token: Type.Optional(NonEmpty) })),
});

const Interception = Obj({
  ca_cert: NonEmpty,
  ca_key: NonEmpty,
  upstream_ca: Type.Optional(Type.Array(NonEmpty)),
});

const Store = Obj({
  url: Type.Optional(NonEmpty),
  on_error: Type.Optional(Type.Union([Type.Literal('deny'), Type.Literal('allow')])),
});

const Network = Obj({
  deny_cidrs: Type.Optional(Type.Union([Type.Literal('default'), Type.Array(NonEmpty)], {
    description: '"default", or a list of CIDRs in which the word "default" stands for the built-in list',
  })),
  allow_cidrs: Type.Optional(Type.Array(NonEmpty)),
  resolve: Type.Optional(Dict(OneOrMany(NonEmpty), 'static name → IP map, like curl --resolve')),
});

const Limits = Obj({
  max_request_bytes: Type.Optional(Type.Integer({ minimum: 0 })),
  max_header_bytes: Type.Optional(Type.Integer({ minimum: 1024 })),
  upstream_timeout: Type.Optional(Duration),
  idle_timeout: Type.Optional(Duration),
  max_tunnels_per_agent: Type.Optional(Type.Integer({ minimum: 1 })),
});

const Sink = Type.Union([
  Obj({ type: Type.Literal('stdout') }),
  Obj({ type: Type.Literal('file'), path: NonEmpty }),
  Obj({
    type: Type.Literal('redis-stream'),
    stream: NonEmpty,
    maxlen: Type.Optional(Type.Integer({ minimum: 1 })),
    url: Type.Optional(NonEmpty),
  }),
  Obj({ type: Type.Literal('http'), url: NonEmpty, headers: Type.Optional(Dict(Type.String())) }),
]);

const Audit = Obj({
  required: Type.Optional(Type.Boolean()),
  sinks: Type.Optional(Type.Array(Sink)),
});

const Price = Obj({
  input_per_mtok: Usd,
  output_per_mtok: Usd,
  cached_input_per_mtok: Type.Optional(Usd),
  cache_read_per_mtok: Type.Optional(Usd),
  cache_write_per_mtok: Type.Optional(Usd),
});

const Prices = Obj({
  default: Type.Optional(Price),
  models: Type.Optional(Dict(Price)),
});

const Schedule = Obj({
  days: Type.Optional(Type.Array(NonEmpty, { description: 'mon..sun or ranges like mon-fri' })),
  hours: Type.Optional(Type.String({ pattern: '^[0-9]{2}:[0-9]{2}-[0-9]{2}:[0-9]{2}$', description: 'HH:MM-HH:MM' })),
  tz: Type.Optional(NonEmpty),
});

const When = Obj({
  schedule: Type.Optional(Schedule),
  flags: Type.Optional(Dict(Type.Boolean())),
});

const Meter = Type.Union([
  Type.Literal('openai'),
  Type.Literal('anthropic'),
  Type.Literal('none'),
  Obj({ usd_per_request: Usd }),
]);

export const RuleSchema = Obj({
  id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', description: 'rule id, unique within its policy' }),
  description: Type.Optional(Type.String()),
  host: OneOrMany(NonEmpty),
  methods: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z]+$' }), { minItems: 1 })),
  paths: Type.Optional(Type.Array(NonEmpty, { minItems: 1 })),
  action: Type.Optional(Type.Union([Type.Literal('allow'), Type.Literal('deny'), Type.Literal('approve')])),
  mode: Type.Optional(Mode),
  when: Type.Optional(When),
  tunnel: Type.Optional(Type.Boolean()),
  meter: Type.Optional(Meter),
  reserve_usd: Type.Optional(Usd),
  rate: Type.Optional(Rate),
  max_request_bytes: Type.Optional(Type.Integer({ minimum: 0 })),
  inject: Type.Optional(Obj({ headers: Dict(Type.String()) })),
  approval: Type.Optional(Obj({ timeout: Duration })),
});

const Policy = Obj({
  description: Type.Optional(Type.String()),
  rules: Type.Array(RuleSchema),
});

const AgentMatch = Obj({
  spiffe: Type.Optional(NonEmpty),
  cn: Type.Optional(NonEmpty),
  token_sha256: Type.Optional(Type.String({
    pattern: '^sha256:[0-9a-f]{64}$',
    description: 'sha256:<lower-case hex of the raw token>',
  })),
  require: Type.Optional(Type.Array(Type.Union([Type.Literal('mtls'), Type.Literal('token')]), { minItems: 1 })),
});

const Agent = Obj({
  match: AgentMatch,
  team: Type.Optional(NonEmpty),
  mode: Type.Optional(Mode),
  rate: Type.Optional(Rate),
  policies: Type.Optional(Type.Array(NonEmpty)),
  rules: Type.Optional(Type.Array(RuleSchema)),
  max_tunnels: Type.Optional(Type.Integer({ minimum: 1 })),
});

const Budget = Obj({
  id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' }),
  limit_usd: Usd,
  per: Type.Union([Type.Literal('hour'), Type.Literal('day'), Type.Literal('week'), Type.Literal('month')]),
  tz: Type.Optional(NonEmpty),
});

export const ConfigSchema = Obj({
  version: Type.Literal(1),
  include: Type.Optional(Type.Array(NonEmpty)),
  listen: Type.Optional(Listen),
  interception: Type.Optional(Interception),
  store: Type.Optional(Store),
  network: Type.Optional(Network),
  limits: Type.Optional(Limits),
  audit: Type.Optional(Audit),
  prices: Type.Optional(Prices),
  secrets: Type.Optional(Dict(Type.String())),
  policies: Type.Optional(Dict(Policy)),
  agents: Type.Optional(Dict(Agent)),
  budgets: Type.Optional(Dict(Type.Array(Budget), 'agent id, team:NAME, or "*" → budgets')),
}, 'Portcullis configuration (SPEC §4)');

export type ConfigFile = Static<typeof ConfigSchema>;
export type RuleSpec = Static<typeof RuleSchema>;
export type AgentSpec = Static<typeof Agent>;
export type PolicySpec = Static<typeof Policy>;
export type BudgetSpec = Static<typeof Budget>;
export type PriceSpec = Static<typeof Price>;
export type SinkSpec = Static<typeof Sink>;
export type MeterSpec = Static<typeof Meter>;
export type ScheduleSpec = Static<typeof Schedule>;
