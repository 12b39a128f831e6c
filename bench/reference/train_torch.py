#!/usr/bin/env python3
"""PyTorch reference for bench/train.ts: the same networks as src/core/models (cnn2d-lstm,
cnn1d-lstm), the same EMO-DB training fold, input shape, random 3 s crops, batch size and
optimiser (Adam 1e-3, cross-entropy), on one thread. Prints one JSON line on stdout; epochs
are timed in wall seconds and in CPU seconds of the process (time.process_time).

    /usr/bin/python3 bench/reference/train_torch.py --model cnn2d-lstm --data ../shared/datasets/emodb

Layouts: 2D input is [batch, 1, mels, frames] (NCHW; tfjs uses [batch, frames, mels, 1], the
same numbers transposed); 1D input is [batch, 1, samples]. Convolutions use TensorFlow's
'same' padding (explicit, asymmetric where TF's is), pools are floor like tfjs 'valid'.
"""
import argparse
import json
import math
import os
import random
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchaudio

SAMPLE_RATE = 16000
HOP = 160


def tf_same_pad(length, kernel, stride):
    """TensorFlow 'same' padding (left, right) for one axis."""
    out = math.ceil(length / stride)
    total = max((out - 1) * stride + kernel - length, 0)
    return total // 2, total - total // 2


class Cnn2dLstm(nn.Module):
    """4 x (conv 3x3 -> BN -> ELU -> max-pool freq x time), LSTM over time, linear (softmax in the loss)."""

    def __init__(self, n_mels, n_classes, filters=(64, 64, 128, 128), pools=((4, 4), (2, 2), (2, 2), (2, 1)), lstm_units=128):
        super().__init__()
        layers, c_in, bands = [], 1, n_mels
        for f, p in zip(filters, pools):
            layers += [nn.Conv2d(c_in, f, 3, padding=1), nn.BatchNorm2d(f), nn.ELU(), nn.MaxPool2d(p)]
            c_in, bands = f, bands // p[0]
        self.blocks = nn.Sequential(*layers)
        self.lstm = nn.LSTM(bands * c_in, lstm_units, batch_first=True)
        self.out = nn.Linear(lstm_units, n_classes)

    def forward(self, x):  # x [b, 1, mels, frames]
        y = self.blocks(x)  # [b, c, bands, steps]
        y = y.permute(0, 3, 2, 1).flatten(2)  # [b, steps, bands * c], as tfjs reshapes [b, steps, bands, c]
        _, (h, _) = self.lstm(y)
        return self.out(h[-1])


class Cnn1dLstm(nn.Module):
    """4 x (conv1d -> BN -> ELU -> max-pool) on the waveform, LSTM over the remaining steps, linear."""

    def __init__(self, n_classes, filters=(64, 64, 128, 128), kernels=(80, 3, 3, 3), strides=(4, 1, 1, 1), pools=(4, 4, 5, 2), lstm_units=128):
        super().__init__()
        self.convs, self.bns, self.pools = nn.ModuleList(), nn.ModuleList(), pools
        self.kernels, self.strides = kernels, strides
        c_in = 1
        for f, k, s in zip(filters, kernels, strides):
            self.convs.append(nn.Conv1d(c_in, f, k, stride=s))
            self.bns.append(nn.BatchNorm1d(f))
            c_in = f
        self.lstm = nn.LSTM(c_in, lstm_units, batch_first=True)
        self.out = nn.Linear(lstm_units, n_classes)

    def forward(self, x):  # x [b, 1, samples]
        y = x
        for conv, bn, k, s, p in zip(self.convs, self.bns, self.kernels, self.strides, self.pools):
            y = F.pad(y, tf_same_pad(y.shape[-1], k, s))
            y = F.max_pool1d(F.elu(bn(conv(y))), p)
        _, (h, _) = self.lstm(y.transpose(1, 2))
        return self.out(h[-1])


def model_kwargs(model, config):
    """Constructor arguments from a ModelConfig-style JSON object (only the sizes both sides share)."""
    names = {'filters': 'filters', 'lstmUnits': 'lstm_units'}
    if model == 'cnn2d-lstm':
        names['poolsFreqTime'] = 'pools'
    else:
        names.update(kernelSizes='kernels', convStrides='strides', poolsTime='pools')
    unknown = sorted(set(config) - set(names))
    if unknown:
        sys.exit(f'--config: {", ".join(unknown)} not supported for {model}; accepted: {", ".join(names)}')
    return {names[k]: (tuple(tuple(p) if isinstance(p, list) else p for p in v) if isinstance(v, list) else v)
            for k, v in config.items()}


def read_fold(data, held_out):
    rows = [line.split('\t') for line in open(os.path.join(data, 'MANIFEST.tsv')).read().strip().split('\n')[1:]]
    labels = sorted({r[2] for r in rows})
    clips = []
    for r in rows:
        if r[1] == held_out:
            continue
        wav, sr = torchaudio.load(os.path.join(data, r[0]))
        assert sr == SAMPLE_RATE, f'{r[0]}: {sr} Hz'
        clips.append((wav[0], labels.index(r[2])))
    return clips, labels


def crop_batch(items, rows, rnd):
    """Random crop of `rows` along the last axis (zero-padded at the end), stacked."""
    out = []
    for x in items:
        n = x.shape[-1]
        start = rnd.randrange(n - rows + 1) if n > rows else 0
        piece = x[..., start:start + rows]
        out.append(F.pad(piece, (0, rows - piece.shape[-1])))
    return torch.stack(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model', default='cnn2d-lstm', choices=['cnn2d-lstm', 'cnn1d-lstm'])
    ap.add_argument('--data', default='../shared/datasets/emodb')
    ap.add_argument('--holdout', default='03')
    ap.add_argument('--epochs', type=int, default=2)
    ap.add_argument('--warmup', type=int, default=1)
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--seconds', type=float, default=3)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--config', default='{}',
                    help='overrides of the network sizes as JSON, in the names of src/core/models/config.ts')
    ap.add_argument('--clips', type=int, default=0,
                    help='train on this many clips of the fold per epoch and scale the time to the whole fold (0 = all)')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)

    clips, labels = read_fold(a.data, a.holdout)
    full = len(clips)
    if 0 < a.clips < full:
        clips = random.Random(7).sample(clips, a.clips)
    scale = full / len(clips)
    waveform = a.model == 'cnn1d-lstm'
    sizes = model_kwargs(a.model, json.loads(a.config))
    if waveform:
        items = [w.unsqueeze(0) for w, _ in clips]  # [1, samples]
        rows = int(a.seconds * SAMPLE_RATE)
        model = Cnn1dLstm(len(labels), **sizes)
    else:
        mel = torchaudio.transforms.MelSpectrogram(
            sample_rate=SAMPLE_RATE, n_fft=512, win_length=400, hop_length=HOP, n_mels=64,
            power=2.0, norm='slaney', mel_scale='slaney', center=True, pad_mode='constant')
        to_db = torchaudio.transforms.AmplitudeToDB('power', top_db=80)
        with torch.no_grad():
            items = [to_db(mel(w)).unsqueeze(0) for w, _ in clips]  # [1, mels, frames]
        allv = torch.cat([x.flatten() for x in items])
        mean, std = allv.mean(), allv.std()
        items = [(x - mean) / std for x in items]
        rows = int(a.seconds * SAMPLE_RATE / HOP)
        model = Cnn2dLstm(64, len(labels), **sizes)
    y_all = torch.tensor([lab for _, lab in clips])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    rnd = random.Random(42)
    model.train()
    epoch_seconds, epoch_cpu_seconds, losses, accuracy = [], [], [], []
    for e in range(a.warmup + a.epochs):
        t0, c0 = time.perf_counter(), time.process_time()
        x_all = crop_batch(items, rows, rnd)
        order = torch.randperm(len(items))
        total, correct = 0.0, 0
        for i in range(0, len(items), a.batch):
            idx = order[i:i + a.batch]
            logits = model(x_all[idx])
            loss = F.cross_entropy(logits, y_all[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            correct += (logits.argmax(1) == y_all[idx]).sum().item()
        sec, cpu = (time.perf_counter() - t0) * scale, (time.process_time() - c0) * scale
        if e >= a.warmup:
            epoch_seconds.append(sec)
            epoch_cpu_seconds.append(cpu)
        losses.append(total / len(items))
        accuracy.append(correct / len(items))
        print(f'torch {a.model} epoch {e + 1}/{a.warmup + a.epochs}: {sec:.1f} s, loss {losses[-1]:.3f}',
              file=sys.stderr)
    print(json.dumps({
        'model': a.model, 'backend': f'pytorch {torch.__version__}', 'threads': torch.get_num_threads(),
        'clips': full, 'clipsTimed': len(items), 'batchSize': a.batch, 'inputShape': list(x_all.shape[1:]),
        'params': sum(p.numel() for p in model.parameters()),
        'epochSeconds': epoch_seconds, 'epochCpuSeconds': epoch_cpu_seconds, 'loss': losses, 'accuracy': accuracy,
        'peakRssMb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == '__main__':
    main()
