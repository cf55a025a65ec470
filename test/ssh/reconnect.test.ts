// A connection dropped in the middle of a step: the step runs once more on a new connection when
// it is safe to repeat (built-in steps check before they act; commands with creates/removes);
// otherwise the host is unreachable (exit 4) and the other hosts finish.
import * as assert from 'uvu/assert';
import { fleetHosts, fleetSuite, hostOut, inventory, kubexm, onHost, report, writeFile, type Env } from './harness.js';

const { test, env, atEnd } = fleetSuite('ssh: a dropped connection reopened once', 2);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DIR = '/var/tmp/kubexm-reconnect';

atEnd(async () => {
  const e = env();
  for (const i of [1, 2]) await onHost(e, e.host(i), `rm -rf ${DIR}`);
});

/** Polls host i until `pattern` (pgrep -f) runs there. */
async function waitForProcess(e: Env, i: number, pattern: string): Promise<void> {
  for (let n = 0; n < 150; n++) {
    const r = await onHost(e, e.host(i), `pgrep -f ${JSON.stringify(pattern)} >/dev/null && echo yes || true`, { user: 'deploy' });
    if (r.stdout.includes('yes')) return;
    await sleep(200);
  }
  assert.unreachable(`${pattern} never ran on ${e.host(i).name}`);
}

/** Kills sshd's processes for root's sessions on host i: kubexm's connection (deploy's own session survives). */
async function dropRootSessions(e: Env, i: number): Promise<void> {
  const kill = await onHost(e, e.host(i), "sudo pkill -f '^sshd: root'", { user: 'deploy' });
  assert.is(kill.code, 0, `pkill found the session: ${kill.stderr}`);
}

test('a built-in step (wait_for) interrupted by a dropped connection runs again on a new one and succeeds', async () => {
  const e = env();
  await onHost(e, e.host(1), `rm -rf ${DIR}; mkdir -p ${DIR}`);
  const inv = inventory(e, 'again', fleetHosts(e, 2));
  const pb = writeFile(
    e,
    'again.yaml',
    `- hosts: all
  gather_facts: false
  tasks:
    - name: wait for the marker
      wait_for: { path: "${DIR}/{{ inventory_hostname }}-ready", timeout: 60, sleep: 1 }
      when: inventory_hostname == 'node1'
    - command: hostname
`,
  );
  const running = kubexm(e, ['run', pb, '-i', inv, '--output', 'json'], { timeoutMs: 120_000 });
  // wait_for's loop on the host sleeps between its looks at the marker.
  await waitForProcess(e, 1, '^sleep 1$');
  await dropRootSessions(e, 1);
  // The marker appears only after the drop: the first run can never have seen it.
  await hostOut(e, e.host(1), `touch ${DIR}/node1-ready`);
  const r = await running;
  assert.is(r.code, 0, r.stdout + r.stderr);
  const rep = report(r);
  assert.equal(rep.recap.node1, { ...rep.recap.node1, ok: 2, unreachable: 0, failed: 0 });
  assert.equal(rep.recap.node2, { ...rep.recap.node2, ok: 1, skipped: 1, unreachable: 0, failed: 0 });
  assert.is(rep.tasks[0].hosts.node1.status, 'ok');
  assert.is(rep.tasks[1].hosts.node1.stdout, 'node1', 'the next step used the new connection');
  assert.match(r.stderr, /\[node1\]: node1: connection to root@[\d.]+:22 lost while a command was running during 'wait for the marker'; reconnected and ran the step again/);
});

test('a command with creates is run again after a drop; the step after it runs on the new connection', async () => {
  const e = env();
  await onHost(e, e.host(1), `rm -rf ${DIR}; mkdir -p ${DIR}`);
  const inv = inventory(e, 'creates', fleetHosts(e, 1));
  const pb = writeFile(
    e,
    'creates.yaml',
    `- hosts: all
  gather_facts: false
  tasks:
    - name: slow work that leaves its mark
      shell: "echo run >> ${DIR}/runs; sleep 3; echo slept; touch ${DIR}/done"
      args: { creates: "${DIR}/done" }
    - command: cat ${DIR}/runs
      register: runs
`,
  );
  const running = kubexm(e, ['run', pb, '-i', inv, '--output', 'json'], { timeoutMs: 120_000 });
  await waitForProcess(e, 1, '^sleep 3');
  await dropRootSessions(e, 1);
  const r = await running;
  assert.is(r.code, 0, r.stdout + r.stderr);
  const rep = report(r);
  assert.equal(rep.recap.node1, { ...rep.recap.node1, ok: 2, changed: 2, unreachable: 0, failed: 0 });
  // The first run was cut off in its sleep (its next output meets a closed pipe); the second ran to the end.
  assert.is(rep.tasks[1].hosts.node1.stdout, 'run\nrun');
  assert.is((await hostOut(e, e.host(1), `test -e ${DIR}/done && echo yes`)).trim(), 'yes');
  assert.match(r.stderr, /during 'slow work that leaves its mark'; reconnected and ran the step again/);
});

test('a command without creates/removes is not run again: that host is unreachable (exit 4), the others finish', async () => {
  const e = env();
  for (const i of [1, 2]) await onHost(e, e.host(i), `rm -rf ${DIR}; mkdir -p ${DIR}`);
  const inv = inventory(e, 'once', fleetHosts(e, 2));
  const pb = writeFile(
    e,
    'once.yaml',
    `- hosts: all
  gather_facts: false
  tasks:
    - shell: "echo run >> ${DIR}/runs; sleep 4"
    - copy: { dest: "${DIR}/after", content: "{{ inventory_hostname }}\\n" }
    - command: hostname
`,
  );
  const running = kubexm(e, ['run', pb, '-i', inv, '--output', 'json'], { timeoutMs: 120_000 });
  await waitForProcess(e, 1, '^sleep 4');
  await dropRootSessions(e, 1);
  const r = await running;
  assert.is(r.code, 4, r.stdout + r.stderr);
  const rep = report(r);
  assert.equal(rep.recap.node1, { ...rep.recap.node1, ok: 0, unreachable: 1, failed: 0 });
  assert.equal(rep.recap.node2, { ...rep.recap.node2, ok: 3, changed: 3, unreachable: 0, failed: 0 });
  assert.match(String(rep.tasks[0].hosts.node1.msg), /lost while a command was running \(not run again: shell without creates or removes may not be safe to repeat\)/);
  assert.not.match(r.stderr, /reconnected/);
  assert.is((await hostOut(e, e.host(1), `cat ${DIR}/runs`)).trim(), 'run', 'the command ran once');
  assert.is((await onHost(e, e.host(1), `test -e ${DIR}/after`)).code, 1, 'an unreachable host gets no more tasks');
  assert.is((await hostOut(e, e.host(2), `cat ${DIR}/after`)).trim(), 'node2');
});

test.run();
