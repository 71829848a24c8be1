// What a finished request costs, replacing its reservation (SPEC §5). The rules:
// - the upstream never answered: nothing was billed, 0;
// - the provider's final usage was seen: exactly its cost, even when the agent left after it;
// - an error status with no usage: providers do not bill refused requests, 0;
// - otherwise (the agent aborted mid-stream, the stream ended without a usage event, usage
//   unpriceable): the reservation, or the usage counted so far if that is higher — never 0
//   for a response that may have been billed.
import type { PriceSpec } from '../config/schema.ts';
import { costNano, type PriceTable } from './prices.ts';
import type { Usage } from './usage.ts';

export type UpstreamOutcome =
  | { readonly kind: 'no-response' }
  | {
    readonly kind: 'response';
    readonly status: number;
    /** ResponseMeter.finish() and ResponseMeter.final. */
    readonly usage: Usage | null;
    readonly usageFinal: boolean;
  };

export interface SettleInput {
  readonly outcome: UpstreamOutcome;
  readonly reservedNano: number;
  /** The model the request named: prices usage whose reported model has no entry of its own. */
  readonly requestModel: string | null;
  readonly prices: PriceTable;
}

export function settleNano({ outcome, reservedNano, requestModel, prices }: SettleInput): number {
  if (outcome.kind === 'no-response') return 0;
  const { usage, usageFinal, status } = outcome;
  if (usage === null) return status >= 400 ? 0 : reservedNano;
  const price = priceFor(prices, usage.model, requestModel);
  if (price === null) return reservedNano;
  const cost = costNano(price, usage);
  return usageFinal ? cost : Math.max(reservedNano, cost);
}

/** The answering model's own entry, else the requested model's, else the default. */
function priceFor(prices: PriceTable, answered: string | null, requested: string | null): PriceSpec | null {
  const own = answered === null ? null : prices.entryFor(answered);
  if (own !== null) return own;
  const model = requested ?? answered;
  return model === null ? null : prices.lookup(model);
}
