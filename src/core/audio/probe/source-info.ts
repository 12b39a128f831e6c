/** What a container header tells about the audio inside, before any decoding. */
export interface HeaderInfo {
  /** 'wav' | 'flac' | 'mp3' | 'ogg' | 'webm' | 'matroska' | 'mp4' */
  container: string;
  /** ffmpeg-style codec name: 'pcm_s16le', 'flac', 'mp3', 'vorbis', 'opus', 'aac', ... */
  codec: string;
  sampleRate: number | null;
  channels: number | null;
  /** Exact duration stated by the header (frame counts, sample totals), or null when not stated. */
  declaredDurationSec: number | null;
  /** A rough duration (e.g. MP3 size / bitrate) usable for early limits, or null. */
  estimatedDurationSec: number | null;
}
