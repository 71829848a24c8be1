// Loading a large config (YAML document with positions, schema validation, policy compile)
// grows V8's heap to several times the file's size; a 1.6 MB policy (200 agents × 20 rules)
// peaks near 200 MB. Once collected, those pages stay resident in V8's page pool: ordinary GCs
// reuse them but do not hand them back, and the memory reducer only acts when the process is
// idle, which a loaded gateway never is. Measured (bench config): 284 MB RSS after loading,
// 108 MB after one memory-reducing ("last resort") GC of ~85 ms. So the gateway asks for that
// GC once after a load (start, reload) that left the heap large, when a pause is expected anyway.
//
// V8 offers that GC only as `gc()`; the flag makes it available to a fresh context without
// exposing it on the gateway's own global object.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type GcFunction = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

/** Below this the pool is not worth a pause (small configs: a few MB). */
const HEAP_WORTH_RECLAIMING = 128 * 1_048_576;

let collect: GcFunction | null = null;

/** A full, memory-reducing GC when the heap is large; the resident MB given back to the OS, or null when skipped. */
export function reclaimMemory(): number | null {
  if (process.memoryUsage().heapTotal < HEAP_WORTH_RECLAIMING) return null;
  if (collect === null) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as GcFunction;
  }
  const before = process.memoryUsage.rss();
  collect({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  return Math.max(0, (before - process.memoryUsage.rss()) / 1_048_576);
}
