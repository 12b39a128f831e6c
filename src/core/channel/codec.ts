/**
 * The lossy codec round trip a channel chain may use. Core only defines the interface: the
 * implementation (Opus through the libopus wasm build of `opusscript`) needs Node and lives in
 * src/node/channel/opus.ts; a chain with a `codec` step fails clearly when none is given.
 */
export interface LossyCodec {
  /** For reports, e.g. 'opus (libopus 1.4)'. */
  readonly name: string;
  /** Encode `x` at `bitrate` bits per second and decode it back: same rate, same length, time-aligned. */
  roundTrip(x: Float32Array, sampleRate: number, bitrate: number): Promise<Float32Array>;
}

/** Default bitrate of the `codec` condition, bits per second. */
export const DEFAULT_CODEC_BITRATE = 16_000;
