// Static HTTP server for the fleet mirror (test/fleet/mirror.sh starts and stops it).
//
//   node mirror-server.mjs ROOT ADDRESS PORT PIDFILE
//
// Serves files under ROOT (GET and HEAD, no directory listings) on ADDRESS:PORT only. It exits on
// SIGTERM/SIGINT, and by itself once PIDFILE is gone or names another process: `fleet.sh down`
// removes the run dir holding it, so the server never outlives its fleet.
import { createReadStream, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

const [root, address, portText, pidFile] = process.argv.slice(2);
if (!root || !address || !portText || !pidFile) {
  process.stderr.write('usage: mirror-server.mjs ROOT ADDRESS PORT PIDFILE\n');
  process.exit(2);
}
const base = path.resolve(root);

const TYPES = {
  '.json': 'application/json',
  '.gz': 'application/gzip',
  '.tgz': 'application/gzip',
  '.deb': 'application/vnd.debian.binary-package',
};

function log(line) {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
}

const server = http.createServer(async (req, res) => {
  const done = (code, headers = {}, body = '') => {
    res.writeHead(code, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
    log(`${req.socket.remoteAddress} ${req.method} ${req.url} ${code}`);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return done(405, { allow: 'GET, HEAD' });
  let rel;
  try {
    rel = decodeURIComponent(new URL(req.url ?? '/', 'http://mirror').pathname);
  } catch {
    return done(400);
  }
  // path.join normalizes '..' away from the root; anything still escaping it is refused.
  const file = path.join(base, rel);
  if (file !== base && !file.startsWith(base + path.sep)) return done(403);
  let st;
  try {
    st = await stat(file);
  } catch {
    return done(404, { 'content-type': 'text/plain' }, 'not found\n');
  }
  if (!st.isFile()) return done(404, { 'content-type': 'text/plain' }, 'not found\n');
  const headers = {
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'content-length': String(st.size),
    'last-modified': st.mtime.toUTCString(),
  };
  if (req.method === 'HEAD') return done(200, headers);
  res.writeHead(200, headers);
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
  res.on('finish', () => log(`${req.socket.remoteAddress} GET ${req.url} 200 ${st.size}`));
});

function stop() {
  server.close();
  // Open keep-alive connections would hold the process; nothing is worth finishing.
  setTimeout(() => process.exit(0), 200).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

function pidFileIsMine() {
  try {
    return readFileSync(pidFile, 'utf8').trim() === String(process.pid);
  } catch {
    return false;
  }
}

server.on('error', (err) => {
  process.stderr.write(`mirror-server: ${err.message}\n`);
  process.exit(1);
});
server.listen(Number(portText), address, () => {
  log(`serving ${base} on http://${address}:${portText}/`);
  // mirror.sh writes the pid file right after starting us; give it a moment.
  setTimeout(() => {
    setInterval(() => {
      if (!pidFileIsMine()) {
        log(`${pidFile} gone or not ours: stopping`);
        stop();
      }
    }, 2000).unref();
  }, 3000).unref();
});
