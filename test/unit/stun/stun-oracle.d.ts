// Minimal types for the npm `stun` package, used only as a differential oracle in tests.
declare module 'stun' {
  interface StunAttributeLike {
    type: number;
    value: unknown;
  }
  interface StunMessageLike {
    readonly type: number;
    readonly transactionId: Buffer;
    getAttribute(type: number): StunAttributeLike | undefined;
    addAttribute(type: number, ...args: unknown[]): unknown;
    addMessageIntegrity(key: string | Buffer): unknown;
    addFingerprint(): unknown;
    toBuffer(): Buffer;
    readonly count: number;
  }
  export function createMessage(type: number, transactionId?: Buffer): StunMessageLike;
  export function decode(b: Buffer): StunMessageLike;
  export function encode(m: StunMessageLike): Buffer;
  export function validateFingerprint(m: StunMessageLike): boolean;
  export function validateMessageIntegrity(m: StunMessageLike, key: string | Buffer): boolean;
  export const constants: Record<string, number>;
  const _default: {
    createMessage: typeof createMessage;
    decode: typeof decode;
    encode: typeof encode;
    validateFingerprint: typeof validateFingerprint;
    validateMessageIntegrity: typeof validateMessageIntegrity;
    constants: typeof constants;
  };
  export default _default;
}
