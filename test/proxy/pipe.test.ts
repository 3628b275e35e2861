import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeClose, encodeFrame } from '../../src/protocol/frame-encode.js';
import { Pipe } from '../../src/proxy/pipe.js';
import { destroySocketPairs, socketPair } from '../helpers/sockets.js';
import { until } from '../helpers/wait.js';

afterEach(destroySocketPairs);

/** A pipe from one socket pair to another: write to `input`, read from `output`. */
async function pipeRig() {
  const a = await socketPair({ pauseOnConnect: true });
  const b = await socketPair({ pauseOnConnect: true });
  const pipe = new Pipe(a.far, b.near, 'downstream');
  const received: Buffer[] = [];
  b.far.on('data', (chunk) => received.push(chunk));
  b.far.resume();
  return { pipe, input: a.near, output: () => Buffer.concat(received), source: a.far, sink: b.near, sinkPeer: b.far };
}

describe('Pipe', () => {
  it('forwards 1 MiB unchanged and in order', async () => {
    const { pipe, input, output } = await pipeRig();
    pipe.start();
    const data = randomBytes(1024 * 1024);
    for (let i = 0; i < data.length; i += 7_001) input.write(data.subarray(i, i + 7_001));
    await until(() => output().length === data.length, 'all bytes forwarded');
    expect(output().equals(data)).toBe(true);
  });

  it('finishWith waits for the frame in progress, writes the Close, then forwards nothing', async () => {
    const { pipe, input, output } = await pipeRig();
    pipe.trackFrames();
    pipe.start();
    const first = encodeFrame(2, randomBytes(1000), false);
    const second = encodeFrame(1, Buffer.from('never forwarded'), false);
    const close = encodeClose(1012, 'restarting', false);
    input.write(first.subarray(0, 300));
    await until(() => output().length === 300, 'half a frame forwarded');
    pipe.finishWith(close);
    // Nothing yet: the Close may not cut the frame in half.
    expect(output().length).toBe(300);
    input.write(Buffer.concat([first.subarray(300), second]));
    await until(() => output().length === first.length + close.length, 'the frame and the Close');
    await new Promise((r) => setTimeout(r, 50));
    expect(output().equals(Buffer.concat([first, close]))).toBe(true);
  });

  it('inject puts a frame between frames, never inside one', async () => {
    const { pipe, input, output } = await pipeRig();
    pipe.trackFrames();
    pipe.start();
    const frame = encodeFrame(2, randomBytes(500), false);
    const injected = encodeFrame(1, Buffer.from('injected'), false);
    input.write(frame.subarray(0, 100));
    await until(() => output().length === 100, 'the start of the frame');
    pipe.inject(injected);
    input.write(frame.subarray(100));
    await until(() => output().length === frame.length + injected.length, 'frame then injection');
    expect(output().equals(Buffer.concat([frame, injected]))).toBe(true);
  });

  it('a sink that cannot keep up pauses the source (backpressure)', async () => {
    const rig = await pipeRig();
    await expectPausedAt256KiB(rig);
  });

  it('in parsed mode a slow sink pauses the source at the same 256 KiB', async () => {
    const rig = await pipeRig();
    const { pipe } = rig;
    pipe.trackFrames();
    // Parsed mode that streams every read through as it came (what a passing message does).
    pipe.parseFrames({ parsedMode: () => ({ push: (chunk: Buffer) => pipe.writeStream(chunk, true, true) }) });
    await expectPausedAt256KiB(rig);
  });
});

/**
 * With the sink's peer not reading, the source pauses once 256 KiB wait in the sink, not at its
 * 16 KiB mark (which would cost a drain/resume round per 64 KiB read): a burst passes, memory stays
 * bounded (what waits is at most that plus the read that crossed it). Then it resumes.
 */
async function expectPausedAt256KiB({ pipe, input, source, sink, sinkPeer }: Awaited<ReturnType<typeof pipeRig>>) {
  sinkPeer.pause();
  pipe.start();
  const chunk = Buffer.alloc(64 * 1024);
  for (let i = 0; i < 400 && !source.isPaused(); i++) input.write(chunk);
  await until(() => source.isPaused(), 'the source paused');
  expect(sink.writableLength).toBeGreaterThanOrEqual(256 * 1024);
  expect(sink.writableLength).toBeLessThanOrEqual(256 * 1024 + 64 * 1024);
  sinkPeer.resume();
  await until(() => !source.isPaused(), 'the source resumed once the sink drained', 10_000);
}
