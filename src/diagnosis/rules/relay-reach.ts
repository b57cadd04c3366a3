/**
 * The relay as peers outside the TURN server see it. A relay-forced call between two pages on
 * one server is relayed inside the server (coturn delivers relay-to-relay without sending), so
 * it passes with a firewalled relay port range or a wrong external-ip. The evidence here is the
 * relay-reach probe (an outside UDP socket to the relayed address and back) and the one-sided
 * call (caller relay-forced, callee without TURN):
 *
 *   RELAY_ADDRESS_WRONG   relay-reach RELAY_ADDRESS_NOT_SERVER (error) / _UNVERIFIED (warn): the
 *                         advertised relayed address is not an address of the server.
 *   RELAY_PORTS_BLOCKED   relay-reach RELAY_UNREACHABLE / RELAY_ONE_WAY: datagrams to the relay
 *                         ports never arrive (names the ports tried and what arrived); or, with no
 *                         relay-reach evidence, the one-sided call failed while the relay-forced
 *                         call over the same URL passed.
 *
 * The one-sided call's failure is cited by whichever finding explains it.
 */
import { CheckCode } from '../../core/codes.js';
import { isRelayCallId, ONE_SIDED_CALL_PREFIX } from '../../core/ids.js';
import { ProtocolCode } from '../../core/codes.js';
import type { Check, Finding } from '../../core/schema.js';
import { FindingCode } from '../codes.js';
import { evidenceOf, finding, list, type Rule } from '../evidence.js';

const ADDRESS_ADVICE =
  'Make the TURN server advertise an address peers can reach: behind a 1:1 NAT (cloud VM, Docker) set coturn external-ip=PUBLIC_IP/PRIVATE_IP (or external-ip=PUBLIC_IP), keep relay-ip an address of the machine itself, and restart it; check that the relayed address in turnutils_uclient output is the public one.';
const PORTS_ADVICE =
  'Open the relay port range for UDP from any address in the server\'s firewall and cloud security group (coturn min-port..max-port, default 49152-65535), not only 3478/5349/443; if the range is narrowed, open exactly the configured one.';

interface Direction {
  sent?: number;
  received?: number;
  to?: string;
  from?: string;
}

const dir = (v: unknown): Direction => (v && typeof v === 'object' ? (v as Direction) : {});
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/** What the URL's host resolves to, as the probe recorded it. */
const urlAddresses = (c: Check): string => {
  const a = c.details.urlAddresses;
  return Array.isArray(a) && a.length > 0 ? list(a.map(String)) : c.details.address ? String(c.details.address) : '?';
};

function addressWords(c: Check): string {
  const cls = str(c.details.relayedAddressClass) ?? 'unknown';
  const range = str(c.details.relayedAddressRange);
  const what =
    cls === 'private' ? 'a private address' : cls === 'documentation' ? 'a documentation address' : cls === 'public' ? 'a public address' : cls === 'loopback' ? 'a loopback address' : `a ${cls} address`;
  return `${what}${range ? ` (${range})` : ''}`;
}

export const relayReach: Rule = (input) => {
  const ev = evidenceOf(input);
  const out: Finding[] = [];
  const reach = ev.ofKind('relay-reach');
  const oneSided = ev.ofKind('call').filter((c) => c.id.startsWith(ONE_SIDED_CALL_PREFIX));
  const oneSidedFailed = oneSided.filter((c) => c.status === 'fail' && c.code === CheckCode.ONE_SIDED_CALL_FAILED);
  const passedRelayCall = (target: string) => ev.ofKind('call').find((c) => isRelayCallId(c.id) && c.target === target && (c.status === 'pass' || c.status === 'warn'));
  let oneSidedCited = false;
  const citeOneSided = () => {
    oneSidedCited = oneSidedFailed.length > 0;
    return oneSidedFailed.flatMap((c) => [c.id, ...(passedRelayCall(c.target) ? [passedRelayCall(c.target)!.id] : [])]);
  };

  // ---- the advertised relayed address is not the server's
  const wrong = reach.filter((c) => c.code === ProtocolCode.RELAY_ADDRESS_NOT_SERVER);
  const unverified = reach.filter((c) => c.code === ProtocolCode.RELAY_ADDRESS_UNVERIFIED);
  if (wrong.length > 0) {
    const first = wrong[0]!;
    const addrs = list(wrong.map((c) => String(c.details.relayedAddress ?? '?')));
    out.push(
      finding(
        FindingCode.RELAY_ADDRESS_WRONG,
        'error',
        `The TURN server advertises relayed address ${addrs} (${list(wrong.map((c) => c.target))}): ${addressWords(first)}, not an address of the server, whose URL names ${urlAddresses(first)}. Every relay candidate points there, so a peer that is not relayed by this same server (an SFU, a peer with a public address, another TURN) cannot reach it — the server's external-ip setting is wrong or missing. iceprobe sent nothing to it.`,
        ADDRESS_ADVICE,
        [...wrong.map((c) => c.id), ...citeOneSided()],
      ),
    );
  } else if (unverified.length > 0) {
    const first = unverified[0]!;
    out.push(
      finding(
        FindingCode.RELAY_ADDRESS_WRONG,
        'warn',
        `The TURN server advertises relayed address ${list(unverified.map((c) => String(c.details.relayedAddress ?? '?')))} (${list(unverified.map((c) => c.target))}), a public address other than what its URL names (${urlAddresses(first)}): if that is not this server's other address, its external-ip is wrong. iceprobe does not send to an address the URL does not name, so it was not tested.`,
        'If the relayed address is not the server\'s own public address, correct coturn external-ip; if it is (a separate relay IP), nothing to fix.',
        unverified.map((c) => c.id),
      ),
    );
  }

  // ---- datagrams to the relay ports do not arrive
  const blocked = reach.filter((c) => c.code === ProtocolCode.RELAY_UNREACHABLE || c.code === ProtocolCode.RELAY_ONE_WAY);
  if (blocked.length > 0) {
    const inboundBlocked = blocked.filter((c) => c.code === ProtocolCode.RELAY_UNREACHABLE);
    const tried = blocked.map((c) => {
      const i = dir(c.details.inbound);
      const o = dir(c.details.outbound);
      const port = c.details.relayedPort ?? '?';
      return c.code === ProtocolCode.RELAY_UNREACHABLE
        ? `port ${port} (${c.transport ?? '?'} allocation): ${i.received ?? 0} of ${i.sent ?? '?'} datagrams arrived${(o.received ?? 0) > 0 ? `, while ${o.received} of ${o.sent ?? '?'} sent by the relay reached us` : ''}`
        : `port ${port} (${c.transport ?? '?'} allocation): ${i.received ?? '?'} of ${i.sent ?? '?'} arrived, but 0 of ${o.sent ?? '?'} the relay sent reached us`;
    });
    const host = str(blocked[0]!.details.relayedAddress)?.replace(/:\d+$/, '') ?? '?';
    const stateful = inboundBlocked.some((c) => (dir(c.details.outbound).received ?? 0) > 0);
    const calls = citeOneSided();
    out.push(
      finding(
        FindingCode.RELAY_PORTS_BLOCKED,
        'error',
        `Peers outside the TURN server cannot reach its relay ports on ${host}: ${tried.join('; ')}${stateful ? ' — the relay can send out, so a firewall in front of the server drops inbound UDP to the relay range' : ''}. The server's listening ports answer (the allocations worked), and a call relayed at both ends by this one server still connects (it relays inside the server), but peers that are not relayed by it fail${oneSidedFailed.length > 0 ? ', as the one-sided call did' : ''}.`,
        PORTS_ADVICE,
        [...blocked.map((c) => c.id), ...calls],
      ),
    );
  }

  // ---- only the one-sided call says so (no relay-reach evidence: no credentials for Node, or not run)
  if (!oneSidedCited) {
    for (const c of oneSidedFailed) {
      const relayOk = passedRelayCall(c.target);
      const reachOk = reach.find((r) => r.target === c.target && r.status === 'pass');
      if (!relayOk || reachOk) {
        // The relay answers outside peers (or the relay-forced call failed too): not the relay range.
        out.push(
          finding(
            FindingCode.CALL_FAILED,
            'error',
            `A call from a relay-forced peer to a peer without TURN (${c.target}) failed in the ${str(c.details.failedPhase) ?? 'ice'} phase${reachOk ? ', although datagrams from outside reach the relay (relay-reach passed): the peer without TURN, on this machine, could not reach it' : ''}.`,
            'Run iceprobe again; if it persists, compare with a peer on another network and look at the TURN server log for the peer\'s address.',
            [c.id, ...(reachOk ? [reachOk.id] : []), ...(relayOk ? [relayOk.id] : [])],
          ),
        );
        continue;
      }
      out.push(
        finding(
          FindingCode.RELAY_PORTS_BLOCKED,
          'error',
          `A call from a relay-forced peer to a peer without TURN (${c.target}) failed in the ${str(c.details.failedPhase) ?? 'ice'} phase, while the call relayed at both ends by the same server connected: the relayed address is not reachable from outside the server (relay port range blocked, or a wrong external-ip).`,
          PORTS_ADVICE,
          [c.id, relayOk.id],
        ),
      );
    }
  }
  return out;
};
