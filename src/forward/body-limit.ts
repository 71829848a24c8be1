// A request body without Content-Length (chunked) is counted as it streams, and the upload
// is cut the moment it passes the limit, so an agent cannot push an unbounded body through.
import { Transform, type TransformCallback } from 'node:stream';
import { GatewayError } from '../errors.ts';

export class BodyLimit extends Transform {
  bytes = 0;
  readonly #max: number;

  constructor(max: number) {
    super();
    this.#max = max;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.#max) {
      callback(new GatewayError('request_too_large', `request body is over the limit of ${this.#max} bytes`));
      return;
    }
    callback(null, chunk);
  }
}
