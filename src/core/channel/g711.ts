/**
 * ITU-T G.711 companding: 16-bit linear PCM <-> 8-bit mu-law (North America, Japan) and A-law
 * (Europe, rest of the world), bit-exact with the reference coder of Sun Microsystems' public
 * domain g711.c that ITU-T G.191 ships. Platform-neutral.
 *
 * Written here (about 60 lines) rather than taken from npm: `alawmulaw` 6.0.0's ES module entry
 * does not load in Node (extension-less imports) and its mu-law encoder returns signed values
 * (-1 for silence instead of 0xFF). The decoders agree with sox's on all 256 codes.
 */

const SEG_MU_END = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff];
const SEG_A_END = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];
const MU_BIAS = 0x84;
const MU_CLIP = 8159;

function segment(v: number, ends: readonly number[]): number {
  for (let i = 0; i < ends.length; i++) if (v <= ends[i]) return i;
  return ends.length;
}

function toInt16(pcm: number): number {
  const v = Math.round(pcm);
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

/** 16-bit linear sample (clamped to int16) -> mu-law byte. */
export function muLawEncode(pcm: number): number {
  let v = toInt16(pcm) >> 2;
  let mask = 0xff;
  if (v < 0) {
    v = -v;
    mask = 0x7f;
  }
  if (v > MU_CLIP) v = MU_CLIP;
  v += MU_BIAS >> 2;
  const seg = segment(v, SEG_MU_END);
  if (seg >= 8) return 0x7f ^ mask;
  return ((seg << 4) | ((v >> (seg + 1)) & 0xf)) ^ mask;
}

/** mu-law byte -> 16-bit linear sample. */
export function muLawDecode(code: number): number {
  const u = ~code & 0xff;
  let t = ((u & 0x0f) << 3) + MU_BIAS;
  t <<= (u & 0x70) >> 4;
  return u & 0x80 ? MU_BIAS - t : t - MU_BIAS;
}

/** 16-bit linear sample (clamped to int16) -> A-law byte. */
export function aLawEncode(pcm: number): number {
  let v = toInt16(pcm) >> 3;
  let mask: number;
  if (v >= 0) mask = 0xd5;
  else {
    mask = 0x55;
    v = -v - 1;
  }
  const seg = segment(v, SEG_A_END);
  if (seg >= 8) return 0x7f ^ mask;
  const a = (seg << 4) | ((seg < 2 ? v >> 1 : v >> seg) & 0x0f);
  return a ^ mask;
}

/** A-law byte -> 16-bit linear sample. */
export function aLawDecode(code: number): number {
  const a = (code ^ 0x55) & 0xff;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else if (seg === 1) t += 0x108;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

export type G711Law = 'mulaw' | 'alaw';

/**
 * Float samples in [-1, 1] through an 8-bit G.711 encode and decode (scaled by 32768 to
 * int16; samples beyond full scale clip as the coder's input would).
 */
export function g711RoundTrip(x: Float32Array, law: G711Law): Float32Array {
  const enc = law === 'mulaw' ? muLawEncode : aLawEncode;
  const dec = law === 'mulaw' ? muLawDecode : aLawDecode;
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = dec(enc(x[i] * 32768)) / 32768;
  return out;
}
