/**
 * The contract between Node and the in-browser probe page. Type-only: imported by the page and
 * by src/, erased at build time, so the page ships no Node code.
 */
export interface GatherSpec {
  /** The URL exactly as RTCPeerConnection should see it. */
  url: string;
  username?: string;
  credential?: string;
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
