/**
 * The contract between Node and the in-browser probe page. Type-only: imported by the page and
 * by src/, erased at build time, so the page ships no Node code.
 */
export interface GatherSpec {
  /** The URL exactly as RTCPeerConnection should see it. */
  url: string;
  username?: string;
  credential?: string;
  /** Several servers on one RTCPeerConnection (NAT mapping evidence); `url` is then a label. */
  iceServers?: RTCIceServer[];
  timeoutMs: number;
}

export interface PageCandidate {
  type: 'host' | 'srflx' | 'prflx' | 'relay';
  protocol: 'udp' | 'tcp';
  relayProtocol: 'udp' | 'tcp' | 'tls' | null;
  address: string | null;
  port: number | null;
  relatedAddress: string | null;
  relatedPort: number | null;
  priority: number | null;
  foundation: string | null;
  elapsedMs: number;
  /** `url` from getStats' local-candidate, when the browser reports it. */
  url: string | null;
}

export interface PageCandidateError {
  errorCode: number;
  errorText: string;
  url: string | null;
  address: string | null;
  port: number | null;
  elapsedMs: number;
}

export interface GatherResult {
  url: string;
  candidates: PageCandidate[];
  errors: PageCandidateError[];
  /** 'complete' when the browser finished; 'timeout' when our bound ended it first. */
  ended: 'complete' | 'timeout';
  durationMs: number;
  firstMs: Partial<Record<PageCandidate['type'], number>>;
  userAgent: string;
  /** A setup error from the browser (e.g. the URL was refused by RTCPeerConnection). */
  setupError: string | null;
}

export interface CallSpec {
  /** ws:// URL of the probe signaling relay. */
  relayUrl: string;
  room: string;
  token?: string;
  role: 'caller' | 'callee';
  iceServers: RTCIceServer[];
  policy: 'relay' | 'all';
  /** Bound for setup (signaling → data channel open). */
  setupTimeoutMs: number;
  /** How long the caller pushes data; the callee waits this long plus slack. */
  durationMs: number;
  /** Stats sampling interval. */
  sampleMs: number;
  /** Size of each data-channel message the caller sends: the unit the application's count moves in. */
  messageBytes: number;
  media: boolean;
}

export interface CallCandidate {
  type: 'host' | 'srflx' | 'prflx' | 'relay' | null;
  protocol: string | null;
  relayProtocol: 'udp' | 'tcp' | 'tls' | null;
  address: string | null;
  port: number | null;
  url: string | null;
}

export interface CallSample {
  atMs: number;
  bitsPerSecond: number;
  rttMs: number | null;
}

/** One reading of the callee's transport counters (RTCTransportStats), cumulative. */
export interface ReceiveCount {
  /** The stats' timestamp, ms since the call started. */
  atMs: number;
  bytes: number;
  packets: number;
  /** What the callee sent back meanwhile (SCTP acknowledgements), same counters. */
  sentBytes: number;
  sentPackets: number;
  /**
   * The callee's application bytes received so far (data-channel messages, cumulative) and when
   * it read them (ms since the call started, the page's clock): the goodput series. Absent from
   * pages older than the delivered-rate headline.
   */
  appBytes?: number;
  appAtMs?: number;
}

export interface CallResult {
  role: 'caller' | 'callee';
  ok: boolean;
  /** The phase that did not complete, when !ok. */
  failedPhase: string | null;
  error: string | null;
  phases: { name: string; atMs: number }[];
  iceStates: { state: string; atMs: number }[];
  localCandidates: { type: string; relayProtocol: string | null }[];
  remoteCandidates: { type: string }[];
  selectedPair: { local: CallCandidate; remote: CallCandidate } | null;
  selectedPairChanges: number | null;
  samples: CallSample[];
  /** Caller: transport bytes sent during the data phase. */
  bytes: number;
  /** Callee: its transport's cumulative receive counters, read every sampleMs during the data phase. */
  receiveCounter?: ReceiveCount[];
  /** Callee: application bytes received (goodput); caller: application bytes handed to the channel. */
  appBytes: number;
  dataMs: number;
  rtts: number[];
  media: Record<string, unknown> | null;
}
