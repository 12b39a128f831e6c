#!/usr/bin/python3
"""torchaudio peer of bench/features.ts: MFCC of every file listed on stdin with the emovox
default parameters, on one thread. Decoding is excluded from the timing (every clip is read
first). Protocol (so the caller can interleave its own runs with these on a busy machine):
prints one JSON line {"files", "audioSec", "torch", "torchaudio"} when ready, then for every
line "run" on stdin does one pass over all clips and prints {"wallSec", "cpuSec"}; exits on EOF.

torchaudio.transforms.MFCC(sample_rate=16000, n_mfcc=40, dct_type=2, norm='ortho',
log_mels=False, melkwargs=dict(n_fft=512, win_length=400, hop_length=160, f_min=0.0,
f_max=None, n_mels=40, window_fn=torch.hann_window, power=2.0, center=True,
pad_mode='constant', norm='slaney', mel_scale='slaney')), top_db 80, float32 (its default).
Usage: python3 features_torchaudio.py LIST   (LIST: a file with one WAV path per line)
"""
import json
import os
import sys
import time
import wave

import numpy as np
import torch
import torchaudio

torch.set_num_threads(1)


def read_pcm16(path):
    with wave.open(path, 'rb') as w:
        if w.getsampwidth() != 2 or w.getnchannels() != 1:
            raise SystemExit(f'{path}: expected 16-bit mono PCM')
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype='<i2')
        return torch.from_numpy(pcm.astype(np.float32) / 32768.0), w.getframerate()


def main():
    with open(sys.argv[1]) as f:
        paths = [line.strip() for line in f if line.strip()]
    clips = [read_pcm16(p) for p in paths]
    audio_sec = sum(x.shape[0] / sr for x, sr in clips)
    mfcc = torchaudio.transforms.MFCC(
        sample_rate=16000, n_mfcc=40, dct_type=2, norm='ortho', log_mels=False,
        melkwargs=dict(n_fft=512, win_length=400, hop_length=160, f_min=0.0, f_max=None, n_mels=40,
                       window_fn=torch.hann_window, power=2.0, center=True, pad_mode='constant',
                       norm='slaney', mel_scale='slaney'))
    with torch.inference_mode():
        mfcc(clips[0][0])  # warm-up
        # torch.set_num_threads(1) limits intra-op work, but the process still runs other threads
        # (inter-op pool, OpenMP); their CPU time counts in process_time(), so report them.
        print(json.dumps({'files': len(clips), 'audioSec': audio_sec, 'torch': torch.__version__,
                          'torchaudio': torchaudio.__version__, 'intraOpThreads': torch.get_num_threads(),
                          'processThreads': len(os.listdir('/proc/self/task'))}), flush=True)
        for line in sys.stdin:
            if line.strip() != 'run':
                continue
            wall, cpu = time.perf_counter(), time.process_time()
            for x, _sr in clips:
                mfcc(x)
            print(json.dumps({'wallSec': time.perf_counter() - wall, 'cpuSec': time.process_time() - cpu,
                              'processThreads': len(os.listdir('/proc/self/task'))}), flush=True)


if __name__ == '__main__':
    main()
