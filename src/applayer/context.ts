import type { Flow } from '../flow/flow.js';
import type { AppCounters } from './anomalies.js';
import type { DnsMessage } from './dns/message.js';
import type { DnsQueries } from './dns/queries.js';
import type { AppEvent, EventTime } from './events.js';
import type { MemoryBudget } from './memory.js';

/** What the app layer gives its per-flow sessions. */
export interface AppContext {
  readonly counters: AppCounters;
  readonly budget: MemoryBudget;
  /** Bytes of each TCP direction followed (reassembly depth). */
  readonly streamDepth: number;
  /**
   * The current event time (the packet being read; reused, so copy it to keep it). Optional so a test
   * harness need not keep a clock: parsers that stamp facts read zeros without it.
   */
  readonly at?: Readonly<EventTime>;
  /** Report a fact about `flow` at the current event time. */
  emit(flow: Flow, ev: AppEvent): void;
  /**
   * A parsed DNS message of `flow`, sent in direction `dir` (0: a -> b): events, and answers into the
   * cache, bound to the client that received them and checked against the flow's `queries`.
   */
  dns(flow: Flow, msg: DnsMessage, transport: 'udp' | 'tcp', dir?: number, queries?: DnsQueries): void;
}
