/**
 * TURN_AUTH_FAILED, TURN_CREDENTIAL_EXPIRED, TURN_REALM_MISMATCH: the server refused the
 * credentials. The browser's 401 and Node's authenticated Allocate tell the same story, so they
 * make one finding that cites both; when Node pinned down the precise reason (an expired TURN
 * REST username, another realm) that reason is the finding and the browser's 401 joins it.
 * Servers differ in the code they refuse credentials with: coturn answers 401, pion/turn 400.
 * Node reads either (after a valid challenge) as TURN_AUTH_FAILED and keeps the server's code in
 * details.authRejection; Chromium reports pion's 400 as icecandidateerror 400 (TURN_ERROR), which
 * joins the finding when Node's probe of that URL says the credentials were refused.
 */
import { CheckCode, ProtocolCode } from '../../core/codes.js';
import type { Check, Finding, ServerEcho } from '../../core/schema.js';
import { FindingCode } from '../codes.js';
import { evidenceOf, finding, list, plural, type Rule } from '../evidence.js';

const NODE_AUTH = new Set<string>([ProtocolCode.TURN_AUTH_FAILED, ProtocolCode.TURN_WRONG_CREDENTIALS]);

/** The STUN error codes the server refused the credentials with, from Node's authRejection and the browser's errors. */
function serverCodesOf(checks: Check[]): number[] {
  const codes = new Set<number>();
  for (const c of checks) {
    const rej = c.details.authRejection as { serverCode?: unknown } | undefined;
    if (rej && typeof rej.serverCode === 'number') codes.add(rej.serverCode);
    const errs = Array.isArray(c.details.errors) ? (c.details.errors as { errorCode?: unknown }[]) : [];
    for (const e of errs) if (typeof e.errorCode === 'number' && (e.errorCode === 400 || e.errorCode === 401)) codes.add(e.errorCode);
  }
  return [...codes].sort();
}

/** The browser's TURN_ERROR on a URL whose Node probe says "credentials refused": the same 400/401. */
function browserSawRejection(gather: Check | undefined): boolean {
  if (gather?.code !== CheckCode.TURN_ERROR) return false;
  const errs = Array.isArray(gather.details.errors) ? (gather.details.errors as { errorCode?: unknown }[]) : [];
  return errs.some((e) => e.errorCode === 400 || e.errorCode === 401);
}

function realmOf(checks: Check[]): string | null {
  for (const c of checks) if (typeof c.details.realm === 'string' && c.details.realm) return c.details.realm;
  return null;
}

export const turnAuth: Rule = (input) => {
  const ev = evidenceOf(input);
  const groups: Record<'auth' | 'expired' | 'realm', { servers: ServerEcho[]; checks: Check[] }> = {
    auth: { servers: [], checks: [] },
    expired: { servers: [], checks: [] },
    realm: { servers: [], checks: [] },
  };
  for (const s of ev.turnServers) {
    const node = ev.node(s);
    const gather = ev.gather(s);
    const nodeRefused = node !== undefined && (NODE_AUTH.has(node.code) || node.code === ProtocolCode.TURN_CREDENTIAL_EXPIRED || node.code === ProtocolCode.TURN_REALM_MISMATCH);
    const browser401 = gather?.code === CheckCode.TURN_AUTH_FAILED || (nodeRefused && browserSawRejection(gather));
    const key =
      node?.code === ProtocolCode.TURN_CREDENTIAL_EXPIRED
        ? 'expired'
        : node?.code === ProtocolCode.TURN_REALM_MISMATCH
          ? 'realm'
          : (node && NODE_AUTH.has(node.code)) || browser401
            ? 'auth'
            : null;
    if (!key) continue;
    groups[key].servers.push(s);
    const nodeCited = node !== undefined && (key !== 'auth' || NODE_AUTH.has(node.code));
    groups[key].checks.push(...[browser401 ? gather : undefined, nodeCited ? node : undefined].filter((c): c is Check => c !== undefined));
  }
  const out: Finding[] = [];
  const users = (xs: ServerEcho[]) => [...new Set(xs.map((s) => s.username).filter((u): u is string => u !== null))];
  const { auth, expired, realm } = groups;
  if (auth.checks.length > 0) {
    const r = realmOf(auth.checks);
    const u = users(auth.servers);
    const rest = auth.servers.some((s) => s.credential === 'minted');
    const said = serverCodesOf(auth.checks);
    out.push(
      finding(
        FindingCode.TURN_AUTH_FAILED,
        'error',
        `The TURN server rejected the credentials${u.length > 0 ? ` of user ${list(u)}` : ''}${r ? ` in realm "${r}"` : ''} (${said.length > 0 ? said.join('/') : 401}${said.includes(400) ? ', which this server answers to a wrong credential' : ''}) on ${plural(auth.servers.length, 'URL')}, so no relay can be allocated with them.`,
        rest
          ? 'The TURN REST credentials were minted with a secret the server does not share: make the secret equal to coturn\'s --static-auth-secret and check both clocks.'
          : `Check the username and credential given for ${list(auth.servers.map((s) => s.url))} and that they were created for the server's realm${r ? ` "${r}"` : ''} (coturn: --user/turnadmin and --realm).`,
        auth.checks.map((c) => c.id),
      ),
    );
  }
  if (expired.checks.length > 0) {
    out.push(
      finding(
        FindingCode.TURN_CREDENTIAL_EXPIRED,
        'error',
        `The TURN REST username has expired, so the server rejects it (401) on ${plural(expired.servers.length, 'URL')}.`,
        'Mint credentials with an expiry in the future (the username is <expiry-unix-seconds>:<user>), hand them out per session, and keep the clocks of the minting service and the TURN server in sync.',
        expired.checks.map((c) => c.id),
      ),
    );
  }
  if (realm.checks.length > 0) {
    const r = realmOf(realm.checks);
    out.push(
      finding(
        FindingCode.TURN_REALM_MISMATCH,
        'error',
        `The TURN server answers in realm${r ? ` "${r}"` : ''}, not the expected one, so credentials made for the expected realm fail.`,
        'Make the server\'s realm (coturn --realm) and the realm the credentials were created for the same.',
        realm.checks.map((c) => c.id),
      ),
    );
  }
  return out;
};
