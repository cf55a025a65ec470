// A one-line progress bar on stderr, only when stderr is a terminal: logs and CI output stay clean.

export interface Progress {
  update(received: number): void;
  done(): void;
}

const NONE: Progress = { update() {}, done() {} };

const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

export function progressBar(label: string, total: number | undefined, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return NONE;
  let last = 0;
  const draw = (received: number) => {
    const width = 30;
    if (total && total > 0) {
      const f = Math.min(1, received / total);
      const filled = Math.round(f * width);
      stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${mib(received)}/${mib(total)} ${Math.floor(f * 100)}%`);
    } else stream.write(`\r${label} ${mib(received)}`);
  };
  return {
    update(received) {
      const now = Date.now();
      if (now - last < 200) return; // a redraw per chunk would cost more than the download
      last = now;
      draw(received);
    },
    done() {
      stream.write('\r\x1b[K');
    },
  };
}
