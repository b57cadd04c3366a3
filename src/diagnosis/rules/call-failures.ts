/**
 * RELAY_CALL_FAILED: a relay-forced call over one TURN transport failed although it was run (the
 * URL gave a relay candidate, or the call would have been skipped): which transport, at which
 * phase, with the call's hint. CALL_FAILED: the call with every server failed; when relay calls
 * failed too, that is the same cause and the call:all check joins their finding instead.
 */
import { CheckCode } from '../../core/codes.js';
import type { Check, Finding } from '../../core/schema.js';
import { FindingCode } from '../codes.js';
import { evidenceOf, finding, type Rule } from '../evidence.js';
import { checkId, isRelayCallId, CALL_ALL_ID } from '../../core/ids.js';

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

const PHASE_ADVICE: Record<string, string> = {
  ice: 'ICE found no working pair through the relay: allow the TURN server to relay between its own allocations and to the peers\' addresses (coturn: check --denied-peer-ip/--allowed-peer-ip and --no-loopback-peers; a 403 to CreatePermission shows in its log), and open the relay port range (--min-port/--max-port) in its firewall.',
  signaling: 'The two test pages could not exchange offers through iceprobe\'s own signaling relay: this is a local problem, run again and report it if it persists.',
  datachannel: 'ICE connected but the data channel did not open or broke: look for a middlebox that drops larger packets over this transport (MTU) and at the TURN server\'s log.',
  internal: 'The browser page failed during the call: run again; if it persists, report it with the report file.',
};

export const callFailures: Rule = (input) => {
  const ev = evidenceOf(input);
  const out: Finding[] = [];
  const calls = ev.ofKind('call');
  const relayFailed = calls.filter((c) => c.code === CheckCode.RELAY_CALL_FAILED);
  const all = calls.find((c) => c.id === CALL_ALL_ID && c.status === 'fail');
  const relayPassed = calls.some((c) => isRelayCallId(c.id) && (c.status === 'pass' || c.status === 'warn'));
  const foldAll = all !== undefined && relayFailed.length > 0 && !relayPassed;

  relayFailed.forEach((c, i) => {
    const entry = ev.callFor(c.id);
    const phase = str(c.details.failedPhase) ?? entry?.failedPhase ?? 'unknown';
    const reason = str(c.details.reason);
    const hint = str(c.details.hint);
    const transport = c.transport ?? 'unknown';
    const gather = ev.check(checkId.gather(c.target));
    const cited: (Check | undefined)[] = [c, gather, i === 0 && foldAll ? all : undefined];
    out.push(
      finding(
        FindingCode.RELAY_CALL_FAILED,
        'error',
        `The relay-forced call over TURN/${transport} (${c.target}) failed in the ${phase} phase${hint ? `: ${hint}` : reason ? `: ${reason}` : ''}.`,
        PHASE_ADVICE[phase] ?? PHASE_ADVICE.internal ?? '',
        cited.filter((x): x is Check => x !== undefined).map((x) => x.id),
      ),
    );
  });
  if (all && !foldAll) {
    const phase = str(all.details.failedPhase) ?? ev.callFor(all.id)?.failedPhase ?? 'unknown';
    const reason = str(all.details.reason);
    out.push(
      finding(
        FindingCode.CALL_FAILED,
        'error',
        `The call with every configured server failed in the ${phase} phase${reason ? `: ${reason}` : ''}.`,
        PHASE_ADVICE[phase] ?? PHASE_ADVICE.internal ?? '',
        [all.id],
      ),
    );
  }
  return out;
};
