/**
 * The probe signaling relay's wire protocol: one JSON object per WebSocket text frame.
 *
 * Shared by the relay (Node) and the in-browser probe page (`import type` only), so this file
 * imports nothing from Node. Every frame a client sends is validated here before the relay
 * acts on it; a relayed message is re-serialised from the validated value (unknown fields are
 * dropped), so a client can only ever make its peer receive what this schema allows.
 *
 * Client → server
 *   {type:"join", room, token?}            enter a room (at most one room per connection)
 *   {type:"leave"}                         leave the room, stay connected
 *   {type:"offer"|"answer", sdp}           relayed to the other member(s) of the room
 *   {type:"candidate", candidate|null}     relayed; null = end-of-candidates
 *   {type:"bye"}                           relayed: "I hang up" (the sender stays in the room)
 *   {type:"ping"}                          answered with {type:"pong"}; keeps the connection alive
 * Server → client
 *   {type:"joined", room, peerId, peers}   peers = members in the room including you
 *   {type:"peer-joined", peerId}
 *   {type:"peer-left", peerId, reason}
 *   relayed offer/answer/candidate/bye with `from: peerId`
 *   {type:"error", code, message}          code is stable (RelayErrorCode); message is for people
 *   {type:"pong"}
 */
import { z } from 'zod';

/** Stable error codes. Clients and tests assert on these, never on the message text. */
export const RelayErrorCode = {
  BAD_JSON: 'BAD_JSON', // the text frame is not JSON
  BINARY_NOT_SUPPORTED: 'BINARY_NOT_SUPPORTED', // a binary frame; the protocol is text only
  UNKNOWN_TYPE: 'UNKNOWN_TYPE', // JSON object whose `type` is not a client message type
  INVALID_MESSAGE: 'INVALID_MESSAGE', // known type, wrong shape (missing/oversized/wrong fields)
  TOO_LARGE: 'TOO_LARGE', // frame above maxMessageBytes; the connection is closed (1009)
  RATE_LIMITED: 'RATE_LIMITED', // over messagesPerSecond; messages dropped, then disconnected
  ROOM_FULL: 'ROOM_FULL', // the room already has maxMembersPerRoom members
  TOO_MANY_ROOMS: 'TOO_MANY_ROOMS', // joining would create a room beyond maxRooms
  TOO_MANY_CONNECTIONS: 'TOO_MANY_CONNECTIONS', // maxConnections reached; closed (1013)
  ALREADY_IN_ROOM: 'ALREADY_IN_ROOM', // join while already a member of a room
  NOT_IN_ROOM: 'NOT_IN_ROOM', // leave/offer/answer/candidate/bye before join
  NO_PEER: 'NO_PEER', // relayed message while alone in the room: nobody received it
  UNAUTHORIZED: 'UNAUTHORIZED', // the relay requires a token and the join had none or a wrong one
  IDLE_TIMEOUT: 'IDLE_TIMEOUT', // no message within idleTimeoutMs; closed (4001)
  SHUTTING_DOWN: 'SHUTTING_DOWN', // the relay is stopping
} as const;
export type RelayErrorCode = (typeof RelayErrorCode)[keyof typeof RelayErrorCode];

/** WebSocket close codes the relay uses (RFC 6455 §7.4.1, 4000–4999 private use). */
export const RelayCloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001, // server shutting down
  POLICY_VIOLATION: 1008, // rate limit persisted, unauthorized
  MESSAGE_TOO_BIG: 1009, // frame above the size limit
  TRY_AGAIN_LATER: 1013, // maxConnections reached
  IDLE_TIMEOUT: 4001, // no message within idleTimeoutMs
} as const;
export type RelayCloseCode = (typeof RelayCloseCode)[keyof typeof RelayCloseCode];

/** Why a member left a room, as told to the others in `peer-left`. */
export const PeerLeftReason = z.enum([
  'left', // sent {type:"leave"}
  'closed', // closed its WebSocket
  'lost', // vanished: no pong to the relay's heartbeat, or the TCP connection broke
  'idle', // idle timeout
  'kicked', // disconnected by the relay for breaking a limit (rate, size)
  'shutdown', // the relay is stopping
]);
export type PeerLeftReason = z.infer<typeof PeerLeftReason>;

/** Room names are short and log-safe (they appear in the relay's log lines). */
export const RoomName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._~-]+$/, 'room: letters, digits and . _ ~ - only');

export const MAX_SDP_CHARS = 256 * 1024;
export const MAX_TOKEN_CHARS = 512;

/** RTCIceCandidateInit-like: what `RTCIceCandidate.toJSON()` produces. */
export const IceCandidateInit = z.object({
  candidate: z.string().max(4096),
  sdpMid: z.string().max(256).nullable().optional(),
  sdpMLineIndex: z.number().int().min(0).max(65535).nullable().optional(),
  usernameFragment: z.string().max(256).nullable().optional(),
});
export type IceCandidateInit = z.infer<typeof IceCandidateInit>;

// ---- client → server

export const JoinMessage = z.object({ type: z.literal('join'), room: RoomName, token: z.string().max(MAX_TOKEN_CHARS).optional() });
export const LeaveMessage = z.object({ type: z.literal('leave') });
export const OfferMessage = z.object({ type: z.literal('offer'), sdp: z.string().max(MAX_SDP_CHARS) });
export const AnswerMessage = z.object({ type: z.literal('answer'), sdp: z.string().max(MAX_SDP_CHARS) });
export const CandidateMessage = z.object({ type: z.literal('candidate'), candidate: IceCandidateInit.nullable() });
export const ByeMessage = z.object({ type: z.literal('bye') });
export const PingMessage = z.object({ type: z.literal('ping') });

export const ClientMessage = z.discriminatedUnion('type', [
  JoinMessage,
  LeaveMessage,
  OfferMessage,
  AnswerMessage,
  CandidateMessage,
  ByeMessage,
  PingMessage,
]);
export type ClientMessage = z.infer<typeof ClientMessage>;
export type ClientMessageType = ClientMessage['type'];
export const CLIENT_MESSAGE_TYPES: readonly ClientMessageType[] = ['join', 'leave', 'offer', 'answer', 'candidate', 'bye', 'ping'];

/** Client messages the relay forwards to the other members of the sender's room. */
export type RelayedClientMessage = Extract<ClientMessage, { type: 'offer' | 'answer' | 'candidate' | 'bye' }>;

// ---- server → client

const PeerId = z.string().min(1).max(64);

export const JoinedMessage = z.object({ type: z.literal('joined'), room: RoomName, peerId: PeerId, peers: z.number().int().min(1) });
export const PeerJoinedMessage = z.object({ type: z.literal('peer-joined'), peerId: PeerId });
export const PeerLeftMessage = z.object({ type: z.literal('peer-left'), peerId: PeerId, reason: PeerLeftReason });
export const RelayedOffer = OfferMessage.extend({ from: PeerId });
export const RelayedAnswer = AnswerMessage.extend({ from: PeerId });
export const RelayedCandidate = CandidateMessage.extend({ from: PeerId });
export const RelayedBye = ByeMessage.extend({ from: PeerId });
export const ErrorMessage = z.object({
  type: z.literal('error'),
  code: z.enum(Object.values(RelayErrorCode) as [RelayErrorCode, ...RelayErrorCode[]]),
  message: z.string(),
});
export const PongMessage = z.object({ type: z.literal('pong') });

export const ServerMessage = z.discriminatedUnion('type', [
  JoinedMessage,
  PeerJoinedMessage,
  PeerLeftMessage,
  RelayedOffer,
  RelayedAnswer,
  RelayedCandidate,
  RelayedBye,
  ErrorMessage,
  PongMessage,
]);
export type ServerMessage = z.infer<typeof ServerMessage>;
export type ErrorMessage = z.infer<typeof ErrorMessage>;

// ---- parsing (pure: text in, typed value or stable error code out)

export type ParseResult<T> = { ok: true; message: T } | { ok: false; code: RelayErrorCode; message: string };

/** Validates one client text frame. Never throws. */
export function parseClientMessage(text: string): ParseResult<ClientMessage> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, code: RelayErrorCode.BAD_JSON, message: 'frame is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: RelayErrorCode.INVALID_MESSAGE, message: 'a message is a JSON object with a string "type"' };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') {
    return { ok: false, code: RelayErrorCode.INVALID_MESSAGE, message: 'a message is a JSON object with a string "type"' };
  }
  if (!(CLIENT_MESSAGE_TYPES as readonly string[]).includes(type)) {
    return { ok: false, code: RelayErrorCode.UNKNOWN_TYPE, message: `unknown message type (expected one of ${CLIENT_MESSAGE_TYPES.join(', ')})` };
  }
  const parsed = ClientMessage.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : type;
    return { ok: false, code: RelayErrorCode.INVALID_MESSAGE, message: `invalid ${type} message at ${where}: ${issue?.message ?? 'bad shape'}` };
  }
  return { ok: true, message: parsed.data };
}

/** Validates one server text frame against the protocol (the tests' relay clients hold the server to it). Never throws. */
export function parseServerMessage(text: string): ParseResult<ServerMessage> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, code: RelayErrorCode.BAD_JSON, message: 'frame is not valid JSON' };
  }
  const parsed = ServerMessage.safeParse(value);
  if (!parsed.success) return { ok: false, code: RelayErrorCode.INVALID_MESSAGE, message: 'not a relay server message' };
  return { ok: true, message: parsed.data };
}
