import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { describe, it } from 'node:test';
import { startFaultProxy } from '../../agent/faultProxy/proxy.js';
import { startTarget } from '../../target/server.js';
import { probe, until } from './probe.js';

async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('fault proxy lifecycle and socket errors', () => {
  it('closes every socket on close(), blackholed ones included', async () => {
    const proxy = await startFaultProxy({
      upstream: { host: '127.0.0.1', port: await closedPort() },
      faults: { blackholeFraction: 1 },
    });
    const sockets = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const socket = net.connect({ host: '127.0.0.1', port: proxy.port });
        socket.on('error', () => undefined);
        await once(socket, 'connect');
        socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
        return socket;
      }),
    );
    await until(() => proxy.stats().open === 5);
    // Not events.once(socket, 'close'): it rejects on the 'error' (a reset) that precedes the close.
    const allClosed = Promise.all(
      sockets.map((socket) => new Promise<void>((resolve) => socket.once('close', () => resolve()))),
    );
    await proxy.close();
    await allClosed;
    assert.equal(proxy.stats().open, 0);
    const refused = net.connect({ host: '127.0.0.1', port: proxy.port });
    const [error] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    assert.equal(error.code, 'ECONNREFUSED');
  });

  it('resets the client when the upstream is unreachable, and keeps serving', async () => {
    const proxy = await startFaultProxy({
      upstream: { host: '127.0.0.1', port: await closedPort() },
      faults: {},
    });
    try {
      assert.equal((await probe(`http://127.0.0.1:${proxy.port}/ping`)).outcome, 'reset');
      assert.equal((await probe(`http://127.0.0.1:${proxy.port}/ping`)).outcome, 'reset');
      assert.equal(proxy.stats().upstreamErrors, 2);
    } finally {
      await proxy.close();
    }
  });

  it('survives clients that vanish mid-response', async () => {
    const target = await startTarget({ log: () => undefined });
    const proxy = await startFaultProxy({
      upstream: { host: '127.0.0.1', port: target.port },
      faults: { bandwidthBytesPerSec: 2000 },
    });
    try {
      for (let i = 0; i < 5; i++) {
        const socket = net.connect({ host: '127.0.0.1', port: proxy.port });
        socket.on('error', () => undefined);
        socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
        await once(socket, 'data');
        socket.resetAndDestroy();
      }
      await until(() => proxy.stats().open === 0);
      assert.equal(proxy.stats().passed, 5);
      const throughProxy = await probe(proxy.url(`${target.url}/ping`));
      assert.equal(throughProxy.status, 200);
    } finally {
      await proxy.close();
      await target.close();
    }
  });
});
