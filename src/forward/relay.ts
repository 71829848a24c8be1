// Upstream response → agent, as undici's dispatch handler: chunks go straight from the upstream
// parser to the agent's response, with backpressure both ways (a full agent socket pauses the
// upstream connection; 'drain' resumes it). undici's request() API would put a Readable, an
// AsyncResource and a promise hop between the two for every request; the floor proxy in bench/
// pays for those, the gateway need not.
//
// Settles once per exchange: rejects (upstream_error / upstream_timeout) only when the upstream
// failed before its response began, which the pipeline can still answer; after that a failure
// cuts the agent's response and is noted on the exchange.
import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Exchange } from '../exchange.ts';
import type { ResponseMeter } from '../metering/response-meter.ts';
import type { BodyLimit } from './body-limit.ts';
import { agentResponseHeaders } from './headers.ts';
import { upstreamFailure } from './upstream.ts';

export class ResponseRelay implements Dispatcher.DispatchHandler {
  readonly done: Promise<void>;
  readonly #res: ServerResponse;
  readonly #ex: Exchange;
  readonly #meter: ResponseMeter | null;
  readonly #limiter: BodyLimit | null;
  readonly #host: string;
  readonly #started = performance.now();
  #controller: Dispatcher.DispatchController | null = null;
  #responding = false;
  #agentLeft = false;
  #resolve!: () => void;
  #reject!: (error: unknown) => void;

  constructor(res: ServerResponse, ex: Exchange, meter: ResponseMeter | null, limiter: BodyLimit | null, host: string) {
    this.#res = res;
    this.#ex = ex;
    this.#meter = meter;
    this.#limiter = limiter;
    this.#host = host;
    this.done = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    // 1xx (100 Continue): the final status is still to come.
    if (statusCode < 200) return;
    const ex = this.#ex;
    const res = this.#res;
    this.#responding = true;
    this.#updateRequestBytes();
    ex.upstreamMs = performance.now() - this.#started;
    ex.status = statusCode;
    if (res.destroyed) {
      this.#agentLeft = true;
      controller.abort(new Error('the agent closed the connection'));
      return;
    }
    const responseHeaders = agentResponseHeaders(headers);
    responseHeaders['x-portcullis-request-id'] = ex.id;
    const meter = this.#meter;
    if (meter !== null) {
      const type = headers['content-type'];
      meter.onHeaders(Array.isArray(type) ? type[0] : type);
      // Metering may drop the usage-only SSE chunk it asked for: the length is no longer the upstream's.
      if (responseHeaders['content-type'] !== undefined && String(responseHeaders['content-type']).startsWith('text/event-stream')) {
        delete responseHeaders['content-length'];
      }
    }
    res.writeHead(statusCode, responseHeaders);
    res.on('drain', this.#onDrain);
    res.once('close', this.#onAgentClose);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.#responding || this.#agentLeft) return;
    const out = this.#meter === null ? chunk : this.#meter.transform(chunk);
    if (out === null) return;
    this.#ex.responseBytes += out.length;
    if (!this.#res.write(out)) controller.pause();
  }

  onResponseEnd(): void {
    if (!this.#responding) {
      this.#fail(new Error('upstream ended without a final response'));
      return;
    }
    if (!this.#agentLeft) {
      const rest = this.#meter?.flush() ?? null;
      if (rest !== null) this.#ex.responseBytes += rest.length;
      this.#res.end(rest ?? undefined);
    }
    this.#finish();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (!this.#responding) {
      this.#fail(this.#limiter?.errored ?? error);
      return;
    }
    if (!this.#agentLeft) {
      this.#ex.upstreamError = error.message;
      this.#res.destroy();
    }
    this.#finish();
  }

  readonly #onDrain = (): void => {
    this.#controller?.resume();
  };

  readonly #onAgentClose = (): void => {
    if (this.#res.writableFinished) return;
    this.#agentLeft = true;
    this.#controller?.abort(new Error('the agent closed the connection'));
  };

  #fail(error: unknown): void {
    this.#updateRequestBytes();
    this.#reject(upstreamFailure(error, this.#host));
  }

  /** Nothing of the exchange may stay reachable from the agent's socket once it is over. */
  #finish(): void {
    this.#res.off('drain', this.#onDrain).off('close', this.#onAgentClose);
    this.#controller = null;
    this.#resolve();
  }

  #updateRequestBytes(): void {
    if (this.#limiter !== null) this.#ex.requestBytes = this.#limiter.bytes;
  }
}
