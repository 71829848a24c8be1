// Governance state (SPEC §7, issue 6): suspensions (kill switch), run-time flags and approvals.
// It lives in the store so every replica obeys within a second; reads on the request path are
// synchronous against a local copy refreshed from the store, so they cost no round trip.

export interface Actor {
  /** Who did it, as given to the admin API (`by`), or `admin` when not given. */
  readonly by: string;
  readonly comment?: string;
}

export interface Suspension {
  /** An agent id, or `*` for every agent. */
  readonly agent: string;
  readonly reason: string | null;
  readonly by: string;
  readonly at: string;
}

export type ApprovalState = 'pending' | 'approved' | 'denied' | 'expired' | 'withdrawn';

export interface ApprovalRequest {
  readonly agent: string;
  /** `POLICY/RULE_ID`. */
  readonly rule: string;
  readonly method: string;
  /** Without query values (SPEC §7). */
  readonly url: string;
  readonly bodyBytes: number;
  /** `sha256:` hex of the buffered body: the approval is bound to exactly this request. */
  readonly bodySha256: string;
  readonly timeoutMs: number;
}

export interface Approval extends ApprovalRequest {
  readonly id: string;
  readonly state: ApprovalState;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly decidedBy: string | null;
  readonly comment: string | null;
  readonly decidedAt: string | null;
}

export type ApprovalOutcome =
  | { readonly state: 'approved' | 'denied'; readonly approval: Approval }
  | { readonly state: 'expired' | 'withdrawn'; readonly approval: Approval };

/** Admin-API errors with the SPEC §7 statuses. */
export class GovernanceError extends Error {
  readonly status: 400 | 404 | 409;
  readonly code: string;

  constructor(status: 400 | 404 | 409, code: string, message: string) {
    super(message);
    this.name = 'GovernanceError';
    this.status = status;
    this.code = code;
  }
}

export interface Governance {
  /** Synchronous, from the local copy (≤ 1 s old): is this agent, or everyone, suspended? */
  suspension(agentId: string): Suspension | null;
  suspend(agent: string, actor: Actor, reason: string | null): Promise<void>;
  resume(agent: string, actor: Actor): Promise<void>;
  suspensions(): readonly Suspension[];

  /** Synchronous, from the local copy: unset flags read as false. */
  flag(name: string): boolean;
  flags(): Readonly<Record<string, boolean>>;
  setFlag(name: string, value: boolean, actor: Actor): Promise<void>;

  /**
   * Holds until a human decides, the timeout passes, or `signal` aborts (the agent went away:
   * the approval is withdrawn). Never auto-approves.
   */
  awaitApproval(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalOutcome>;
  /** Single-use: a second decision on the same id is a 409. Unknown id: 404. */
  decideApproval(id: string, decision: 'approve' | 'deny', actor: Actor): Promise<Approval>;
  approvals(state?: ApprovalState): Promise<readonly Approval[]>;

  /**
   * False while the store does not answer (readiness). Suspensions and flags are then served
   * from the last known copy (fail-static); approvals and admin writes fail with 503.
   */
  readonly healthy: boolean;

  /** Called when a suspension appears for an agent (or `*`), on every replica: close its tunnels. */
  onSuspend(listener: (agent: string) => void): void;
  close(): Promise<void>;
}
